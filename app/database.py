"""Engine tuning and the unit of work: callers own the transaction, services never commit."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.extensions import db

_HOOKS = "pilotflow.after_commit"


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


def after_commit(app: Flask, hook: Callable[[], object]) -> None:
    """Run ``hook`` after every successful unit of work of ``app`` (e.g. delivering the outbox)."""
    app.extensions.setdefault(_HOOKS, []).append(hook)


@contextmanager
def transaction() -> Iterator[Session]:
    """Run a unit of work: commit if the block succeeds, roll back if it raises.

    After a successful commit the after-commit hooks run (the outbox is delivered), outside the
    transaction, so a failing hook never undoes a decision: its work stays queued for next time.
    """
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    for hook in current_app.extensions.get(_HOOKS, ()):
        try:
            hook()
        except Exception:  # the decision stands; the hook's rows stay for the next commit
            session.rollback()
            current_app.logger.exception("after-commit work failed; it will be retried")
