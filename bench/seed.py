"""Bulk seeding for the benchmarks: applications inserted with Core (not the services), so that
100,000 rows take seconds. Runs inside an app context on a migrated database with the demo data."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from types import SimpleNamespace

import sqlalchemy as sa

STATES = ["draft", "endorsing", "initial_review", "leader_approval", "re_review", "project_approval",
          "returned_by_reviewer", "withdrawn", "rejected", "not_accepted"]
CATEGORIES = ["business", "collaborative", "online_service", "resource_database"]
DOMAINS = ["office", "finance", "agriculture", "credit", "environment", "social_security"]
CHUNK = 5000


def _row(i: int, rng: random.Random, batch_id: int, plan_ids: list[int], applicant: tuple, state: str,
         now: datetime) -> dict:
    user_id, org_id, division = applicant
    entered = now - timedelta(minutes=i % 5000)
    return {
        "batch_id": batch_id, "organisation_id": org_id, "created_by_id": user_id,
        "division_code": division, "prefecture_code": division[:4] + "00" if division != "530000" else None,
        "name": f"试点项目 {i:06d} 号信息平台", "category": rng.choice(CATEGORIES),
        "domain": rng.choice(DOMAINS), "contact_name": "刘洋", "contact_phone": "0871-65123456",
        "requested_budget": rng.randint(10, 900), "construction_months": 12, "objectives": "目标",
        "content": "内容", "expected_benefits": "效益", "plan_item_id": rng.choice(plan_ids),
        "off_plan_justification": "", "state": state, "version": 1, "endorsement_level": 0,
        "re_review_round": 0, "created_at": now, "stage_entered_at": entered,
        "submitted_at": None if state == "draft" else now,
        "due_on": _due_on(state, entered.replace(second=0, microsecond=0)),  # same day, fewer to compute
    }


@lru_cache(maxsize=None)
def _due_on(state: str, entered: datetime):
    """The stored deadline day a new application in ``state`` entered at ``entered`` carries
    (as the product writes it; the seeded rows have no history)."""
    from app.services.time import due

    return due.day_of("application", SimpleNamespace(id=0, state=state, stage_entered_at=entered, flow_version=None), [])


def _context(applicant_like: str = "%_applicant"):
    from app.extensions import db
    from app.models import Batch, Organisation, PlanItem, User

    batch_id = db.session.scalar(sa.select(Batch.id))
    plan_ids = list(db.session.scalars(sa.select(PlanItem.id)))
    applicants = db.session.execute(
        sa.select(User.id, Organisation.id, Organisation.division_code)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.username.like(applicant_like)).order_by(User.id)).all()
    return batch_id, plan_ids, [tuple(a) for a in applicants]


def applications(rows: int, seed: int = 2026) -> None:
    """``rows`` applications of every applicant of the demo, in every state (inserted in chunks)."""
    from app.extensions import db
    from app.models import Application

    rng = random.Random(seed)
    batch_id, plan_ids, applicants = _context()
    now = datetime.now(timezone.utc)
    chunk = []
    for i in range(rows):
        chunk.append(_row(i, rng, batch_id, plan_ids, applicants[i % len(applicants)], rng.choice(STATES), now))
        if len(chunk) == CHUNK:
            db.session.execute(Application.__table__.insert(), chunk)
            chunk = []
    if chunk:
        db.session.execute(Application.__table__.insert(), chunk)


def endorsing(count: int, applicant: str = "wuhua_applicant") -> list[tuple[int, int]]:
    """``count`` applications of ``applicant`` waiting for their first endorsement, with their
    endorsement route (as submitting makes it); returns (id, version) of each."""
    from app.extensions import db
    from app.models import Application, Endorsement, Organisation
    from app.services.commands.endorsement import endorsement_route

    rng = random.Random(7)
    batch_id, plan_ids, applicants = _context(applicant)
    organisation = db.session.get(Organisation, applicants[0][1])
    offices = [e.office_id for e in endorsement_route(organisation)]
    db.session.expunge_all()
    now = datetime.now(timezone.utc)
    before = db.session.scalar(sa.select(sa.func.max(Application.id))) or 0
    for first in range(0, count, CHUNK):
        db.session.execute(Application.__table__.insert(), [
            _row(first + i, rng, batch_id, plan_ids, applicants[0], "endorsing", now)
            for i in range(min(CHUNK, count - first))])
    ids = list(db.session.scalars(sa.select(Application.id).where(Application.id > before).order_by(Application.id)))
    for first in range(0, len(ids), CHUNK):
        db.session.execute(Endorsement.__table__.insert(), [{"application_id": app_id, "position": p, "office_id": office}
                                                    for app_id in ids[first:first + CHUNK]
                                                    for p, office in enumerate(offices)])
    return [(app_id, 1) for app_id in ids]
