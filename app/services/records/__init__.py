"""The records every decision leaves: the hash-chained audit, the outbox, gapless counters."""
