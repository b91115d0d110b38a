"""Domain errors every adapter maps the same way (HTML page, JSON body, CLI message)."""
from __future__ import annotations


class DomainError(Exception):
    status = 400


class Denied(DomainError):
    """A policy said no; ``reason`` says why, in words for the user."""

    status = 403

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class NotFound(DomainError):
    """Missing, or not visible to this actor: the two look the same from outside."""

    status = 404


class Conflict(DomainError):
    """The item moved on (stale version, another decision won, a quota is full)."""

    status = 409


class Invalid(DomainError):
    """Input that breaks a rule; ``errors`` maps field names to messages."""

    status = 422

    def __init__(self, errors: dict[str, str] | str, nested: dict | None = None):
        self.errors = errors if isinstance(errors, dict) else {"_": errors}
        self.nested = nested or {}  # a schema's own messages, by field and list index (schemas.load)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))
