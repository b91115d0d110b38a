"""Use cases, one verb each. They take an explicit actor and plain data and never commit."""
