"""Engine tuning and the unit of work: callers own the transaction, services never commit."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.extensions import db


def tune_engine(engine: Engine) -> None:
    """SQLite: WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE so writers queue
    instead of failing with 'database is locked'. PostgreSQL needs nothing here."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below start transactions
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction() -> Iterator[Session]:
    """Run a unit of work: commit if the block succeeds, roll back if it raises.

    After a successful commit the outbox is delivered (notifications), outside the
    transaction, so a delivery problem never undoes a decision.
    """
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    from app.notifications import deliver_pending  # late: notifications imports models

    try:
        deliver_pending()
    except Exception:  # the decision stands; undelivered rows stay in the outbox for next time
        session.rollback()
        current_app.logger.exception("outbox delivery failed; will retry on the next commit")
