"""Engine tuning and the unit of work: callers own the transaction, services never commit.

On SQLite a unit of work that writes begins with ``BEGIN IMMEDIATE`` (writers queue on the busy
timeout instead of failing), and everything else — the signed-in user's load, page and API
reads — begins with a deferred ``BEGIN``, which never takes the write lock. A deferred
transaction that has read and then tries to write could only fail ("database is locked": its
snapshot is older than another writer's commit), so that is refused at once with
``WriteOutsideTransaction``: writes go through ``transaction()``. PostgreSQL needs none of this.
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Callable, Hashable, Iterator

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event, text
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import Session

from app.extensions import db

_HOOKS = "pilotflow.after_commit"
_BEFORE_HOOKS = "pilotflow.before_commit"
_writing: ContextVar[bool] = ContextVar("pilotflow_writing", default=False)  # inside transaction()
_no_wait: ContextVar[bool] = ContextVar("pilotflow_no_wait", default=False)  # transaction(wait=False)
BUSY_TIMEOUT_MS = 15000
# Seconds a pooled connection may sit unused before it is checked (a ping) on its next checkout.
PING_AFTER_IDLE = 10.0
_RETURNED = "pilotflow.returned_at"  # connection record's info: when it went back to the pool

# conn.info keys (per DBAPI connection) describing its open transaction on SQLite.
_MODE = "pilotflow.begin"      # "immediate" or "deferred"
_READ = "pilotflow.has_read"   # a statement that reads ran in a deferred transaction
_WROTE = "pilotflow.has_written"
_NO_WAIT = "pilotflow.no_wait"
_CHANGES = "pilotflow.changes_at_begin"  # the connection's total_changes when its transaction began
_DML = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_DDL = re.compile(r"\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)
_PASSIVE = re.compile(r"\s*(PRAGMA|SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)


class WriteOutsideTransaction(RuntimeError):
    """A write after a read in a deferred SQLite transaction: it would fail under load with
    "database is locked", so it is refused every time. Wrap the unit of work in ``transaction()``."""


def ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat unused for ``PING_AFTER_IDLE``
    seconds (a database restarted or a firewall dropped it meanwhile), not on every checkout as
    ``pool_pre_ping`` does: on PostgreSQL that ping was one more round trip in every request. A
    connection that fails its ping is replaced, and the pool drops every connection older than it
    (a restart killed them all)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        returned = record.info.get(_RETURNED)  # None: a new connection, just opened
        if returned is None or time.monotonic() - returned < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            raise InvalidatePoolError(f"a pooled connection failed its ping after {PING_AFTER_IDLE:.0f} s idle") from exc


def tune_engine(engine: Engine) -> None:
    """Every database: ``ping_when_idle``. SQLite: WAL, a busy timeout, foreign keys;
    ``BEGIN IMMEDIATE`` inside ``transaction()`` so writers queue, a deferred ``BEGIN`` elsewhere
    so reads never wait for the write lock."""
    ping_when_idle(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below start transactions
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        writing = _writing.get()
        if writing and _no_wait.get():
            conn.exec_driver_sql("PRAGMA busy_timeout=0")  # restored when the transaction ends
            conn.info[_NO_WAIT] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
        conn.info[_MODE] = "immediate" if writing else "deferred"
        conn.info[_CHANGES] = conn.connection.driver_connection.total_changes
        conn.info[_READ] = conn.info[_WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _on_statement(conn, _cursor, statement, _params, _context, _many):
        if conn.info.get(_MODE) != "deferred" or conn.info.get(_WROTE) or _PASSIVE.match(statement):
            return
        if _DML.match(statement):
            if conn.info.get(_READ):
                raise WriteOutsideTransaction(
                    "a write after a read outside transaction() (on SQLite it could fail with "
                    f"'database is locked'): {statement[:80]}")
            conn.info[_WROTE] = True  # a write first takes the lock (waiting on the busy timeout)
        elif _DDL.match(statement):
            conn.info[_WROTE] = True
        else:
            conn.info[_READ] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        conn.info.pop(_MODE, None)
        if conn.info.pop(_NO_WAIT, False):
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


_PG_SNAPSHOT = text("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NOT NULL")


def unchanged_mark() -> Hashable | None:
    """What this transaction reads of the whole database, as a value: two transactions get the
    same mark only if no change committed anywhere between them (any table, any process or
    machine), so a result of the database may be kept by it (the counts of lists and inboxes).
    None once this transaction has itself written: what it reads may yet be rolled back.

    SQLite: the connection itself, its ``PRAGMA data_version`` (it moves when another connection
    commits; asked first, it also starts the transaction's snapshot) and its own changes
    (``total_changes``, which the pragma does not count). PostgreSQL: the transaction's snapshot (which
    transactions it sees as committed)."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        driver = conn.connection.driver_connection  # in the mark: its data_version is its own
        if driver.total_changes != conn.info.get(_CHANGES):
            return None
        return driver, conn.exec_driver_sql("PRAGMA data_version").scalar(), driver.total_changes
    if conn.dialect.name == "postgresql":
        snapshot, wrote = conn.execute(_PG_SNAPSHOT).one()
        return None if wrote else snapshot
    return None


def after_commit(app: Flask, hook: Callable[[], object]) -> None:
    """Run ``hook`` after every successful unit of work of ``app`` (e.g. delivering the outbox)."""
    app.extensions.setdefault(_HOOKS, []).append(hook)


def before_commit(app: Flask, hook: Callable[[], object]) -> None:
    """Run ``hook`` inside every unit of work of ``app`` just before its commit (work that rides
    along with a write transaction when there is one, e.g. an API token's last-used time)."""
    app.extensions.setdefault(_BEFORE_HOOKS, []).append(hook)


def _end_read_transaction(session: Session) -> None:
    """Before a unit of work: a deferred transaction the session opened to read (the signed-in
    user, the page's data) is ended, so that the unit of work begins with BEGIN IMMEDIATE."""
    if not session.in_transaction():
        return
    info = session.connection().info
    if info.get(_MODE) != "deferred" or info.get(_WROTE):
        return  # PostgreSQL, or a transaction that already holds the write lock
    if session.new or session.dirty or session.deleted:
        raise WriteOutsideTransaction("changes were made outside transaction() before it began")
    # Only reads: nothing is lost. Ending them with a commit that expires nothing keeps what was
    # loaded (the signed-in user, the item on the page) as it was read, just as on PostgreSQL,
    # where the same transaction simply goes on; every state change is compare-and-set anyway.
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


@contextmanager
def writing(*, wait: bool = True) -> Iterator[None]:
    """Mark what runs inside as work that writes: on SQLite its transactions begin with
    ``BEGIN IMMEDIATE`` (``transaction()``, and the migrations, which read and then write on
    their own connection)."""
    marker, no_wait = _writing.set(True), _no_wait.set(not wait)
    try:
        yield
    finally:
        _writing.reset(marker)
        _no_wait.reset(no_wait)


def begin_writing() -> None:
    """Begin the request's transaction now as one that writes (SQLite: ``BEGIN IMMEDIATE``;
    elsewhere it only takes the pooled connection early): for a request that goes straight to its
    unit of work, so that what it reads first (its API token, its item) is read in that unit of
    work's own transaction — one BEGIN and one COMMIT — instead of in a deferred one ended just
    before it. ``transaction()`` then goes on in it. Not for a request with slow work before its
    unit of work (a signature, an upload): the write lock would be held through it."""
    with writing():
        db.session.connection()


@contextmanager
def transaction(*, wait: bool = True) -> Iterator[Session]:
    """Run a unit of work: commit if the block succeeds, roll back if it raises.

    ``wait=False`` (bookkeeping that may be skipped): on SQLite, fail at once with
    "database is locked" instead of queueing behind another writer.

    After a successful commit the after-commit hooks run (the outbox is delivered), outside the
    transaction, so a failing hook never undoes a decision: its work stays queued for next time.
    """
    session = db.session
    if not _writing.get():  # (a nested unit of work is already in a write transaction)
        _end_read_transaction(session())
    with writing(wait=wait):
        try:
            yield session
            for hook in current_app.extensions.get(_BEFORE_HOOKS, ()):
                hook()
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


def read(statement, params: dict | None = None) -> CursorResult:
    """A Core statement (no ORM entities) on the session's connection, in its transaction, past
    the ORM's execute machinery (some sixty microseconds of a hundred) and its autoflush: for
    what every page reads and no pending change of the request touches (the unread count, the
    filters' reference lists, the calendar's revision)."""
    return db.session.connection().execute(statement, params or {})


def write(statement, params: dict | None = None, session: Session | None = None) -> CursorResult:
    """A Core INSERT or UPDATE of a table (or the SELECT … FOR UPDATE before one), not of an ORM
    entity, on the session's connection, in its transaction: the ORM's bulk-DML path
    (``session.execute(update(Model))``) costs more than the statement itself on SQLite. Pending
    ORM changes are flushed first, as ``session.execute`` would (a no-op when there are none), so
    the statements still reach the database in order. ``session``: the one the changed object
    belongs to (default: the request's)."""
    session = session or db.session()
    session.flush()
    return session.connection().execute(statement, params or {})


Write = tuple  # (Table, row): INSERT the row, all its columns given; (DML statement, its parameters)


def write_together(*writes: Write) -> int:
    """Several writes that need nothing from each other's results, in this order, in the session's
    transaction; the last one is a table's row, whose id is returned. On PostgreSQL one statement
    makes them all (the earlier ones as data-modifying WITH clauses: one round trip, not one per
    write — a step's audit record, its outbox row and the step's own rows); elsewhere one statement
    each. A row gives all its table's columns but a generated primary key (the model's Python-side
    defaults are not applied); a statement's parameter names must differ from ``w<n>_<column>``."""
    session = db.session()
    session.flush()
    conn = session.connection()
    *earlier, (table, row) = writes
    if conn.dialect.name != "postgresql":
        for target, values in earlier:
            conn.execute(_insert(target) if isinstance(target, sa.Table) else target, values)
        return conn.execute(_insert(table), row).inserted_primary_key[0]
    shape = tuple((target, tuple(values)) if isinstance(target, sa.Table) else (target, None)
                  for target, values in writes)
    params: dict = {}
    for i, (target, values) in enumerate(writes):
        params.update({f"w{i}_{name}": value for name, value in values.items()}
                      if isinstance(target, sa.Table) else values)
    return conn.execute(_together(shape), params).scalar_one()


@cache
def _insert(table: sa.Table) -> sa.Insert:
    """A table's INSERT, built once (building it and its cache key on each call cost more than
    running it on SQLite)."""
    return table.insert()


@cache
def _together(shape: tuple) -> sa.Insert:
    """``write_together``'s statement for writes of this shape, built once."""
    statements = [target.insert().values({name: sa.bindparam(f"w{i}_{name}", type_=target.c[name].type)
                                          for name in columns}) if columns is not None else target
                  for i, (target, columns) in enumerate(shape)]
    *earlier, last = statements
    last = last.returning(*shape[-1][0].primary_key.columns)
    for i, statement in enumerate(earlier):
        last = last.add_cte(statement.cte(f"written_{i}"))
    return last
