"""The bare baseline of bench/run.py: a minimal Flask + SQLAlchemy Core app, served by the same
gunicorn as the product, that runs the queries a page needs and nothing else (no sign-in, no
policies, no templates), and a decision's bare transaction.

    BARE_DATABASE_URL=sqlite:///… gunicorn --workers 2 bench.bare_app:app

- ``GET /rows?where=<name>&order=<name>&per_page=20[&…parameters]``: COUNT(*) and one page of
  ``applications`` under one of the named WHERE clauses below, as JSON;
- ``POST /tables?items=N``: the decision baseline's tables, with N items at version 0;
- ``POST /decide/<item>?version=N``: one transaction of a decision's shape — a compare-and-set
  UPDATE, an audit-like INSERT and an outbox-like INSERT, committed (SQLite: BEGIN IMMEDIATE,
  as the product's writes);
- ``POST /decide/<item>?version=N&application=A`` with the product's ``Authorization`` header:
  the same transaction with every other statement the product's decision sends (an API
  endorsement): the token's row with its user, the application's row, the chain head's row
  locked, and the endorsement's place — the product's statements with none of its code, to tell
  the cost of what a decision must read and write from the cost of the code around it.
"""
from __future__ import annotations

import hashlib
import os

import sqlalchemy as sa
from flask import Flask, abort, jsonify, request

# The scopes of the pages, as bench/run.py names them (parameters come from the query string).
WHERE = {
    "all": "1=1",
    "states": "state IN ({states})",
    "organisation": "organisation_id = :organisation",
    "organisation_states": "organisation_id = :organisation AND state IN ({states})",
    "area": "(division_code = :area OR prefecture_code = :area) AND submitted_at IS NOT NULL",
    "area_states": "(division_code = :area OR prefecture_code = :area) AND state IN ({states})",
}
ORDER = {"newest": "id DESC", "waiting": "stage_entered_at, id"}
COLUMNS = ("id, name, state, organisation_id, division_code, category, domain, requested_budget, version, "
           "created_at, submitted_at, stage_entered_at")

_LOG_ID = {"sqlite": "INTEGER PRIMARY KEY", "postgresql": "SERIAL PRIMARY KEY"}  # the one difference
BENCH_TABLES = {
    name: ("CREATE TABLE IF NOT EXISTS bench_items (id INTEGER PRIMARY KEY, state VARCHAR(32), version INTEGER, "
           "place INTEGER)",
           f"CREATE TABLE IF NOT EXISTS bench_log (id {log_id}, item INTEGER, body TEXT)",
           "CREATE TABLE IF NOT EXISTS bench_head (id INTEGER PRIMARY KEY, last_id INTEGER, last_hash TEXT)")
    for name, log_id in _LOG_ID.items()
}
# The product's reads of an API decision, as plain SQL: its token with the user, the user's roles,
# organisation and division (one statement in the product too), and the item.
TOKEN_ROW = ("SELECT users.*, user_roles.role, organisations.*, divisions.*, api_tokens.id, api_tokens.expires_at, "
             "api_tokens.revoked_at FROM users JOIN api_tokens ON api_tokens.user_id = users.id "
             "LEFT JOIN user_roles ON user_roles.user_id = users.id "
             "LEFT JOIN organisations ON organisations.id = users.organisation_id "
             "LEFT JOIN divisions ON divisions.code = organisations.division_code WHERE api_tokens.token_hash = :h")


def make_engine(url: str) -> sa.Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # as the product's tune_engine
            dbapi_conn.isolation_level = None
            for pragma in ("journal_mode=WAL", "busy_timeout=15000", "foreign_keys=ON"):
                dbapi_conn.execute(f"PRAGMA {pragma}")

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("writing") else "BEGIN")
    return engine


def create_bench_tables(engine: sa.Engine, items: int) -> None:
    """The decision baseline's own tables, with ``items`` rows at version 0."""
    with engine.begin() as conn:
        for ddl in BENCH_TABLES[engine.dialect.name]:
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql("DELETE FROM bench_items")
        conn.exec_driver_sql("DELETE FROM bench_head")
        conn.exec_driver_sql("INSERT INTO bench_head (id, last_id, last_hash) VALUES (1, 0, '')")
        conn.execute(sa.text("INSERT INTO bench_items (id, state, version) VALUES (:id, 'a', 0)"),
                     [{"id": i} for i in range(1, items + 1)])


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url or os.environ["BARE_DATABASE_URL"])

    @app.get("/rows")
    def rows():
        where = WHERE.get(request.args.get("where", ""))
        order = ORDER.get(request.args.get("order", "newest"))
        if where is None or order is None:
            abort(400)
        params = {k: v for k, v in request.args.items() if k in ("organisation", "area")}
        if "organisation" in params:
            params["organisation"] = int(params["organisation"])
        states = request.args.get("states", "").split(",")
        params.update({f"s{i}": s for i, s in enumerate(states)})
        clause = where.format(states=", ".join(f":s{i}" for i in range(len(states))))
        per_page = int(request.args.get("per_page", 20))
        offset = (int(request.args.get("page", 1)) - 1) * per_page
        with engine.connect() as conn:
            total = conn.execute(sa.text(f"SELECT count(*) FROM applications WHERE {clause}"), params).scalar()
            page = conn.execute(sa.text(f"SELECT {COLUMNS} FROM applications WHERE {clause} ORDER BY {order} "
                                        f"LIMIT {per_page} OFFSET {offset}"), params).mappings().all()
        return jsonify(total=total, items=[{k: (str(v) if v is not None else None) for k, v in row.items()}
                                           for row in page])

    lock = " FOR UPDATE" if engine.dialect.name == "postgresql" else ""

    @app.post("/tables")
    def tables():
        """The decision baseline's tables, made afresh by the baseline itself (so a run measuring
        another checkout's product still has this checkout's baseline) with ``items`` rows."""
        create_bench_tables(engine, int(request.args["items"]))
        return jsonify(items=int(request.args["items"]))

    @app.post("/decide/<int:item>")
    def decide(item: int):
        version = int(request.args["version"])
        application = request.args.get("application", type=int)  # given: the product's statements too
        with engine.connect() as conn:
            conn.info["writing"] = True
            with conn.begin():
                if application is not None:
                    secret = request.headers.get("Authorization", "").partition(" ")[2]
                    if not conn.execute(sa.text(TOKEN_ROW), {"h": hashlib.sha256(secret.encode()).hexdigest()}).all():
                        abort(401)
                    if conn.execute(sa.text(f"SELECT {COLUMNS} FROM applications WHERE id = :id"),
                                    {"id": application}).first() is None:
                        abort(404)
                changed = conn.execute(sa.text("UPDATE bench_items SET version = version + 1, state = :s "
                                               "WHERE id = :id AND version = :v"),
                                       {"s": "b" if version % 2 == 0 else "a", "id": item, "v": version}).rowcount
                if changed != 1:
                    abort(409)
                if application is not None:
                    conn.execute(sa.text(f"SELECT last_id, last_hash FROM bench_head WHERE id = 1{lock}")).one()
                conn.execute(sa.text("INSERT INTO bench_log (item, body) VALUES (:i, :b)"),
                             {"i": item, "b": f"audit {version}"})
                conn.execute(sa.text("INSERT INTO bench_log (item, body) VALUES (:i, :b)"),
                             {"i": item, "b": f"outbox {version}"})
                if application is not None:
                    conn.execute(sa.text("UPDATE bench_items SET place = :p WHERE id = :id"), {"p": 1, "id": item})
            conn.info["writing"] = False
        return jsonify(id=item, version=version + 1)

    return app


app = create_app() if os.environ.get("BARE_DATABASE_URL") else None
