"""Shared column helpers: enum columns that store values, UTC timestamps."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

import sqlalchemy as sa

from app import clock


def utcnow() -> datetime:
    """Now, from the product's clock (settable in tests)."""
    return clock.now()


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def enum_column(enum_cls: type[Enum], length: int = 32) -> sa.Enum:
    """Store the enum's *values* as plain strings (portable, readable, migration-friendly)."""
    return sa.Enum(enum_cls, values_callable=lambda e: [m.value for m in e], native_enum=False,
                   length=length, validate_strings=True, create_constraint=False)


class Timestamp(sa.types.TypeDecorator):
    """A moment, stored in UTC. PostgreSQL compares zones itself, but SQLite stores a
    datetime's wall clock and drops its zone, so a Beijing moment bound as it is (say "from
    Beijing midnight") would be read as that hour UTC. Every aware value is turned to UTC
    before it is bound; naive values are already UTC by the product's rule."""
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(timezone.utc)
        return value
