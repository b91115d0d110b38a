"""Benchmark: the API's application list at 100,000 applications.

Seeds a temporary SQLite database (migrations + demo data + bulk-inserted applications), then
times list requests through the whole stack (token auth, validation, scoping, pagination,
serialisation) against the bare SQL the list needs (COUNT + one page), in the same run, and
counts SQL statements per request to show they do not grow with the page size.

    .venv/bin/python bench/api_list.py [--rows 100000] [--repeat 15]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench import seed as bulk  # noqa: E402


def timed(fn, repeat: int) -> float:
    fn()  # warm the caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app.database import transaction
    from app.demo.seed import load_demo
    from app.extensions import db
    from app.factory import create_app
    from app.models import User
    from app.services.commands import tokens

    workdir = Path(tempfile.mkdtemp(prefix="pilotflow-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}", "TESTING": True,
                      "SECRET_KEY": "bench", "UPLOAD_DIR": str(workdir / "uploads")})
    with app.app_context():
        upgrade(revision="heads")
        with transaction():
            load_demo()
        started = time.perf_counter()
        with transaction():
            bulk.applications(args.rows)
        print(f"seeded {args.rows:,} applications in {time.perf_counter() - started:.1f} s")
        secrets = {}
        for username in ("office", "wuhua_applicant", "kunming_office"):
            with transaction():
                user = db.session.scalar(sa.select(User).where(User.username == username))
                secrets[username] = tokens.create_token(user, {"name": "bench"})[1]
        db.session.remove()

    client = app.test_client()
    engine_sql = []

    def api(path: str, user: str):
        def call():
            with app.app_context():
                response = client.get(f"/api/v1/{path}", headers={"Authorization": f"Bearer {secrets[user]}"})
                assert response.status_code == 200, response.get_json()
                return response
        return call

    def raw(where: str, params: dict, per_page: int, offset: int):
        def call():
            with app.app_context(), db.engine.connect() as conn:
                conn.execute(sa.text(f"SELECT count(*) FROM applications WHERE {where}"), params).scalar()
                conn.execute(sa.text(f"SELECT * FROM applications WHERE {where} ORDER BY id DESC "
                                     f"LIMIT {per_page} OFFSET {offset}"), params).all()
        return call

    with app.app_context():
        org_id = db.session.scalar(sa.select(User.organisation_id).where(User.username == "wuhua_applicant"))
        db.session.remove()
    cases = [
        ("office, page 1 × 20", api("applications?per_page=20", "office"), raw("1=1", {}, 20, 0)),
        ("office, page 1 × 100", api("applications?per_page=100", "office"), raw("1=1", {}, 100, 0)),
        ("office, page 500 × 100", api("applications?per_page=100&page=500", "office"),
         raw("1=1", {}, 100, 49_900)),
        ("office, state filter", api("applications?state=initial_review&per_page=50", "office"),
         raw("state = :s", {"s": "initial_review"}, 50, 0)),
        ("office, text search", api("applications?q=012345&per_page=20", "office"),
         raw("(name LIKE :q OR contact_name LIKE :q)", {"q": "%012345%"}, 20, 0)),
        ("applicant (own agency), × 50", api("applications?per_page=50", "wuhua_applicant"),
         raw("organisation_id = :o", {"o": org_id}, 50, 0)),
        ("prefecture endorser, × 50", api("applications?per_page=50", "kunming_office"),
         raw("(division_code = '530100' OR prefecture_code = '530100') AND submitted_at IS NOT NULL",
             {}, 50, 0)),
    ]
    print(f"\n{'request':<32}{'API ms':>10}{'raw SQL ms':>12}{'ratio':>8}")
    for label, api_call, raw_call in cases:
        a, r = timed(api_call, args.repeat), timed(raw_call, args.repeat)
        print(f"{label:<32}{a:>10.1f}{r:>12.1f}{a / r:>8.1f}")

    print("\nSQL statements per list request (token auth included):")
    listener = lambda *a: engine_sql.append(a[2])  # noqa: E731
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    for per_page in (1, 10, 100):
        engine_sql.clear()
        api(f"applications?per_page={per_page}", "office")()
        print(f"  per_page={per_page:<4} {len(engine_sql)} statements")
    event.remove(engine, "before_cursor_execute", listener)
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
