"""The unit of work (app/database.py): on SQLite reads begin deferred and never take the write
lock, writes begin with BEGIN IMMEDIATE inside transaction(), a write after a read outside it is
refused; a request opens at most one write transaction (an API token's last use rides along, at
most once a minute); a decision commits once, and an API step is one transaction from its token on."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock, database
from app.database import WriteOutsideTransaction, transaction
from app.extensions import db
from app.jobs import queue
from app.models import ApiToken, Application, User
from app.models.base import as_utc
from app.services.commands import tokens
from tests import databases
from tests import factories as f
from tests.api.conftest import ApiClient
from tests.cluster.processes import Redis
from tests.web.web_client import User as WebUser

sqlite_only = pytest.mark.skipif(databases.BACKEND != "sqlite", reason="SQLite's locking")


@contextmanager
def statements(app, *, end_reads: bool = True):
    """Every SQL statement sent (BEGINs included) and the COMMITs of transactions that wrote, while
    the block runs (a read ended before a unit of work ends with a commit that writes nothing)."""
    seen, commits, wrote = [], [], [False]
    engine = db.engine
    if end_reads:
        db.session.remove()  # the test's own reads end here, not in the measured block

    def on_statement(_conn, _cursor, statement, *_args):
        seen.append(statement)
        wrote[0] = wrote[0] or statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))

    def on_commit(_conn):
        if wrote[0]:
            commits.append(1)
        wrote[0] = False

    sa.event.listen(engine, "before_cursor_execute", on_statement)
    sa.event.listen(engine, "commit", on_commit)
    try:
        yield seen, commits
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_statement)
        sa.event.remove(engine, "commit", on_commit)


@contextmanager
def write_lock_held(app):
    """Another connection holds SQLite's write lock (an open BEGIN IMMEDIATE)."""
    db.session.commit()
    path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _token(username: str) -> tuple[int, str]:
    with transaction():
        token, secret = tokens.create_token(f.user(username), {"name": "tests"})
    return token.id, secret


def _last_used(token_id: int):
    db.session.remove()
    value = db.session.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.id == token_id))
    db.session.remove()
    return value


@sqlite_only
def test_reads_begin_deferred_and_units_of_work_immediate(app):
    db.session.remove()
    with statements(app) as (seen, _):
        db.session.scalar(sa.select(User.id).limit(1))
        db.session.remove()
        with transaction():
            f.user("office").email = "office@example.org"
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


@sqlite_only
def test_a_unit_of_work_after_reads_in_the_same_session_begins_afresh_and_writes(app):
    db.session.remove()
    office = f.user("office")  # a deferred read transaction is open
    with statements(app, end_reads=False) as (seen, commits):
        with transaction():
            office.email = "office@example.org"
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"] and len(commits) == 1
    db.session.remove()
    assert f.user("office").email == "office@example.org"


@sqlite_only
def test_a_write_after_a_read_outside_a_unit_of_work_is_refused_and_writes_nothing(app):
    db.session.remove()
    office = f.user("office")
    office.email = "changed@example.org"
    with pytest.raises(WriteOutsideTransaction):
        db.session.flush()
    db.session.rollback()
    office.email = "changed@example.org"
    with pytest.raises(WriteOutsideTransaction):  # nor can a unit of work adopt the change
        with transaction():
            pass
    db.session.rollback()
    db.session.remove()
    assert f.user("office").email != "changed@example.org"


@sqlite_only
def test_pages_and_api_reads_answer_while_another_connection_holds_the_write_lock(app, client):
    office = WebUser(app, "office")
    _, secret = _token("office")
    api = ApiClient(client)
    api._secrets["office"] = secret
    with write_lock_held(app):
        for path in ("/inbox", "/applications/"):
            response = office.client.get(path)
            assert response.status_code == 200, response.text[:300]
        response = api.get("applications?per_page=5", "office")
        assert response.status_code == 200 and "items" in response.get_json()
        response.close()  # the token's last use, due now, is skipped rather than waited for


def test_a_tokens_last_use_is_written_at_most_once_a_minute(app, client):
    clock.set_now(clock.now().replace(microsecond=0))
    first = clock.now()
    token_id, secret = _token("office")
    api = ApiClient(client)
    api._secrets["office"] = secret
    with statements(app) as (_, commits):
        api.get("applications?per_page=1", "office").close()  # due: written after the response
    assert as_utc(_last_used(token_id)) == first and len(commits) == 1
    clock.advance(timedelta(seconds=59))
    with statements(app) as (seen, commits):
        for _ in range(3):
            api.get("applications?per_page=1", "office").close()
    assert as_utc(_last_used(token_id)) == first
    assert commits == [] and not any(s.lstrip().upper().startswith("UPDATE") for s in seen)
    clock.advance(timedelta(seconds=2))
    api.get("applications?per_page=1", "office").close()
    assert as_utc(_last_used(token_id)) == first + timedelta(seconds=61)


def test_two_requests_due_at_once_write_the_last_use_once(app):
    token_id, secret = _token("office")
    now = clock.now()
    with transaction():
        assert tokens.touch(token_id, now) is True
    with transaction():
        assert tokens.touch(token_id, now + timedelta(seconds=30)) is False
    assert as_utc(_last_used(token_id)) == now


def _endorse_with_a_queue(app, client, tmp_path, ranking: int | None = 1):
    """wuhua_office endorses a submitted application over the API, its jobs going to a private
    Redis as in production (so the request's own statements alone are seen): the token's id, the
    response, the statements, the commits that wrote and how many jobs were queued."""
    app_id = f.submitted()
    version = db.session.get(Application, app_id).version
    token_id, secret = _token("wuhua_office")
    api = ApiClient(client)
    api._secrets["wuhua_office"] = secret
    server = Redis(tmp_path).start()
    app.config["REDIS_URL"] = server.url
    queue.init_app(app)
    try:
        with statements(app) as (seen, commits):
            response = api.post(f"applications/{app_id}/actions/endorse", "wuhua_office",
                                json={"version": version, "opinion": "同意上报", "ranking": ranking})
            response.close()
        return token_id, response, seen, commits, len(queue.queue())
    finally:
        server.stop()


def test_a_decision_request_commits_once_with_the_tokens_last_use(app, client, tmp_path):
    token_id, response, _, commits, queued = _endorse_with_a_queue(app, client, tmp_path)
    assert response.status_code == 200, response.get_json()
    assert len(commits) == 1
    assert _last_used(token_id) is not None  # rode along in the deciding commit
    assert queued > 0  # handed over without a second commit


def test_a_step_reads_the_chains_head_in_its_compare_and_set_and_writes_its_record_with_the_rest(
        app, client, tmp_path):
    """The compare-and-set UPDATE returns the audit chain's head, locked: no statement of its own
    reads it. On PostgreSQL the step's audit record, its outbox row and the endorsement's time are
    then one statement (data-modifying WITH clauses); on SQLite, where a statement costs no round
    trip, one each."""
    _, response, seen, commits, _ = _endorse_with_a_queue(app, client, tmp_path, ranking=None)
    assert response.status_code == 200, response.get_json()
    writes = [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH"))
              and "api_tokens" not in s]  # (a new token's first use rides along too)
    (cas,) = [s for s in writes if s.startswith("UPDATE applications")]
    assert "FROM audit_head" in cas
    assert not [s for s in seen if s.lstrip().startswith("SELECT") and "FROM audit_head" in s]
    if databases.BACKEND == "postgresql":
        assert len(writes) == 2
        assert all(part in writes[1] for part in ("INSERT INTO audit_records", "UPDATE endorsements",
                                                  "INSERT INTO outbox"))
    else:
        assert [w.split("(")[0].split(" SET")[0].strip() for w in writes[1:]] == [
            "INSERT INTO audit_records", "UPDATE endorsements", "INSERT INTO outbox"]
    assert len(commits) == 1


@sqlite_only
def test_an_api_step_reads_its_token_and_item_in_the_transaction_that_writes_it(app, client, tmp_path):
    _, response, seen, commits, _ = _endorse_with_a_queue(app, client, tmp_path)
    assert response.status_code == 200, response.get_json()
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    assert seen.index("BEGIN IMMEDIATE") < min(i for i, s in enumerate(seen) if "api_tokens" in s)
    assert len(commits) == 1


@sqlite_only
def test_an_api_step_with_a_malformed_token_is_refused_without_waiting_for_the_write_lock(app, client):
    app_id = f.submitted()
    with write_lock_held(app), statements(app, end_reads=False) as (seen, _):
        response = client.post(f"/api/v1/applications/{app_id}/actions/endorse", json={"version": 1, "opinion": "x"},
                               headers={"Authorization": "Bearer not-one-of-ours"})
    assert response.status_code == 401
    assert not any(s.startswith("BEGIN IMMEDIATE") for s in seen)


def _pooled_connections(office: WebUser) -> list:
    """The DBAPI connections the pool holds once ``office`` has signed in and read a page."""
    seen = []

    def returned(dbapi_conn, _record):
        if all(c is not dbapi_conn for c in seen):
            seen.append(dbapi_conn)

    db.session.remove()
    sa.event.listen(db.engine, "checkin", returned)
    try:
        assert office.client.get("/inbox").status_code == 200
        db.session.remove()
    finally:
        sa.event.remove(db.engine, "checkin", returned)
    return seen


def _kill(connections: list) -> None:
    """End ``connections`` behind the pool's back: the database server ends their sessions (as a
    restart would), or SQLite's are closed."""
    if databases.BACKEND == "sqlite":
        for conn in connections:
            conn.close()
        return
    admin = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            for pid in (c.info.backend_pid for c in connections):
                assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    finally:
        admin.dispose()


def test_a_connection_back_in_the_pool_a_moment_ago_is_used_without_a_ping(app, monkeypatch):
    pings = []
    ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn))
    office = WebUser(app, "office")
    for _ in range(3):
        assert office.client.get("/applications/").status_code == 200
    assert pings == []  # no round trip per request for it
    monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # as if every connection had idled
    assert office.client.get("/applications/").status_code == 200
    assert pings


def test_a_connection_that_died_while_idle_is_replaced_before_a_page_uses_it(app, monkeypatch):
    office = WebUser(app, "office")
    _kill(_pooled_connections(office))
    with pytest.raises(sa.exc.DBAPIError):  # used at once, unchecked: the request fails
        office.client.get("/inbox")
    db.session.remove()
    _kill(_pooled_connections(office))
    monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # idle long enough to be checked
    response = office.client.get("/inbox")
    assert response.status_code == 200 and f.user("office").display_name in response.text
