"""Query plans and timings of the scoped application lists at 100,000 applications.

Seeds a scratch database (migrations + demo data + bulk-inserted applications spread over the
demo agencies), then, for each kind of reader, prints the plan of the product's own list query
(``reads.applications.applications_query`` ordered and cut like the list's first page, and its
COUNT) and the median time of both: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL.
docs/performance.md shows its output and how to read it.

    .venv/bin/python bench/plans.py [--rows 100000] [--repeat 15] [--database-url postgresql://…/empty_db]

PILOTFLOW_ROOT=/path/to/another/checkout runs the same against that checkout's code and
migrations (to compare before and after a change).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(os.environ.get("PILOTFLOW_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # the migrations directory is found from the working directory

import sqlalchemy as sa  # noqa: E402

READERS = ("kunming_office", "wuhua_office", "wuhua_applicant", "office")  # prefecture / county endorser, agency, Office
STATES = ["draft", "endorsing", "initial_review", "leader_approval", "re_review", "project_approval",
          "returned_by_reviewer", "withdrawn", "rejected", "not_accepted"]


def seed(rows: int) -> None:
    from app.extensions import db
    from app.models import Application, Batch, Division, Organisation, PlanItem, User

    rng = random.Random(2026)
    batch_id = db.session.scalar(sa.select(Batch.id))
    plan_ids = list(db.session.scalars(sa.select(PlanItem.id)))
    applicants = db.session.execute(sa.select(User.id, User.organisation_id)
                                    .where(User.username.like("%_applicant")).order_by(User.id)).all()
    own = {org_id for _, org_id in applicants}
    # every division of the province files (as a real programme does), the demo agencies' own
    # divisions with their own organisation, the others under a stand-in one
    areas = [(d.code, d.prefecture_code, next((o.id for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.division_code == d.code)) if o.id in own), None))
        for d in db.session.scalars(sa.select(Division).order_by(Division.code))]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    chunk = []
    for i in range(rows):
        division, prefecture, org_id = areas[i % len(areas)]
        user_id = applicants[0][0]
        if org_id is None:
            org_id = applicants[(i // len(areas)) % len(applicants)][1]
        state = rng.choice(STATES)
        moment = start + timedelta(minutes=i)
        chunk.append({
            "batch_id": batch_id, "organisation_id": org_id, "created_by_id": user_id,
            "division_code": division, "prefecture_code": prefecture, "name": f"试点项目 {i:06d} 号信息平台",
            "category": "online_service", "domain": "social_security", "contact_name": "刘洋",
            "contact_phone": "0871-65123456", "requested_budget": 100, "construction_months": 12,
            "objectives": "目标", "content": "内容", "expected_benefits": "效益", "plan_item_id": rng.choice(plan_ids),
            "off_plan_justification": "", "state": state, "version": 1, "endorsement_level": 0,
            "re_review_round": 0, "created_at": moment, "stage_entered_at": moment,
            "submitted_at": None if state == "draft" else moment,
        })
        if len(chunk) == 5000:
            db.session.execute(sa.insert(Application), chunk)
            chunk = []
    if chunk:
        db.session.execute(sa.insert(Application), chunk)


def plan(conn, statement) -> list[str]:
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "sqlite":
        return [f"{row[3]}" for row in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))]
    return [row[0] for row in conn.execute(sa.text(f"EXPLAIN {sql}"))]


def timed(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a scratch SQLite file)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app.database import transaction
    from app.demo.seed import load_demo
    from app.extensions import db
    from app.factory import create_app
    from app.models import User
    from app.services.reads.applications import (
        ORDER,
        ApplicationFilters,
        applications_query,
    )

    workdir = Path(tempfile.mkdtemp(prefix="pilotflow-plans-"))
    url = args.database_url or f"sqlite:///{workdir / 'plans.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "plans",
                      "UPLOAD_DIR": str(workdir / "uploads"), "DOCUMENT_DIR": str(workdir / "documents"),
                      "PKI_DIR": str(workdir / "pki"), "AUDIT_ANCHOR_DIR": str(workdir / "anchors")})
    with app.app_context():
        upgrade(revision="heads")
        with transaction():
            load_demo()
        began = time.perf_counter()
        with transaction():
            seed(args.rows)
        db.session.remove()
        if db.engine.dialect.name == "postgresql":  # as autovacuum leaves a table: statistics and the visibility map
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            with db.engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
        print(f"{ROOT.name}: {args.rows:,} applications seeded in {time.perf_counter() - began:.1f} s "
              f"on {db.engine.dialect.name}")
        for username in READERS:
            actor = db.session.scalar(sa.select(User).where(User.username == username))
            query = applications_query(actor, ApplicationFilters())
            page = query.order_by(*ORDER).limit(20)
            count = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
            conn = db.session.connection()
            total = conn.execute(count).scalar()
            page_ms = timed(lambda: conn.execute(page).all(), args.repeat)
            count_ms = timed(lambda: conn.execute(count).scalar(), args.repeat)
            print(f"\n== {username}: {total:,} visible; first page {page_ms:.1f} ms, count {count_ms:.1f} ms")
            print("-- WHERE " + str(query.whereclause.compile(dialect=conn.dialect,
                                                              compile_kwargs={"literal_binds": True})))
            print("-- first page:")
            print("\n".join("   " + line for line in plan(conn, page)))
            print("-- count:")
            print("\n".join("   " + line for line in plan(conn, count)))
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
