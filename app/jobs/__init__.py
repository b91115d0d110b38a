"""The job worker's side of the outbox: handing rows to the queue, running them, sweeping up.

``queue`` hands a committed transaction's outbox rows to RQ on Redis (``REDIS_URL``), or runs
them in this process right after the commit when no queue is configured (the tests, a laptop
without Redis). ``runner.run`` is the one job function; ``sweep`` re-hands rows whose job was
lost or whose back-off has passed, and lets the scheduled jobs start their periods.
"""
