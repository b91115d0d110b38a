"""Named counters advanced by one conditional UPDATE: quotas that cannot be overshot and
gapless sequences (project codes, document numbers), correct under concurrency."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import Counter


def _ensure(key: str) -> None:
    session = db.session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Counter).values(key=key, value=0).on_conflict_do_nothing())


def take(key: str, limit: int | None = None) -> int | None:
    """Add one and return the new value, or None if that would pass ``limit``."""
    _ensure(key)
    cond = Counter.key == key
    if limit is not None:
        cond = sa.and_(cond, Counter.value < limit)
    return db.session.scalar(sa.update(Counter).where(cond).values(value=Counter.value + 1)
                             .returning(Counter.value).execution_options(synchronize_session=False))


def lock(key: str) -> None:
    """Hold the counter's row locked until the transaction ends (a named lock: PostgreSQL's
    ``SELECT … FOR UPDATE``; SQLite's writers are serialised already)."""
    _ensure(key)
    db.session.execute(sa.select(Counter.key).where(Counter.key == key).with_for_update())


def value(key: str) -> int:
    return values([key])[key]


def values(keys) -> dict[str, int]:
    """Several counters in one query (an absent counter is 0)."""
    keys = set(keys)
    found = dict(db.session.execute(sa.select(Counter.key, Counter.value).where(Counter.key.in_(keys))).all())
    return {key: found.get(key) or 0 for key in keys}
