"""Races: two approvals of one item have one winner; concurrent approvals never overshoot
the quota. Meaningful on PostgreSQL (SQLite serialises writers); runs on both."""
import threading

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict
from app.extensions import db
from app.models import (
    Application,
    AuditRecord,
    Batch,
    IssuedDocument,
    MidtermCheck,
    Project,
    User,
)
from app.services.commands import checks, perform, projects
from app.services.documents import issuing
from app.services.engine.guards import message
from app.services.records.audit import verify_chain
from tests import factories as f

APPROVAL = {"opinion": "批准立项", "approved_budget": "90", "construction_months": 12}


def race(app, jobs):
    """Run each job in its own thread, app context and session, all released at once."""
    gate, results = threading.Barrier(len(jobs)), []
    db.session.remove()  # the test's own session must not hold SQLite's write lock meanwhile

    def run(job):
        with app.app_context():
            gate.wait()
            try:
                with transaction():
                    job()
                results.append("ok")
            except Conflict as exc:
                results.append(f"conflict: {exc}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_identical_approvals_have_exactly_one_winner(app):
    app_id = f.endorsed()
    office_id = f.user("office").id

    def approve():
        from app.models import User
        perform(db.session.get(User, office_id), "application", app_id, "pass_initial_review", {"opinion": "通过"})

    results = race(app, [approve] * 8)
    assert results.count("ok") == 1 and len(results) == 8
    db.session.expire_all()
    passes = db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(
        AuditRecord.entity_id == app_id, AuditRecord.trigger == "pass_initial_review"))
    assert passes == 1
    assert verify_chain().ok


def test_concurrent_project_approvals_never_overshoot_the_batch_quota(app):
    db.session.execute(sa.update(Batch).values(quota=2))
    db.session.commit()
    waiting = [f.awaiting_approval() for _ in range(5)]
    leader_id = f.user("leader").id

    def approver(app_id):
        def approve():
            from app.models import User
            projects.approve_project(db.session.get(User, leader_id), app_id, APPROVAL)
        return approve

    results = race(app, [approver(i) for i in waiting])
    db.session.expire_all()
    assert results.count("ok") == 2
    assert all(message("batch_quota_left") in r for r in results if r != "ok")
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 2
    assert db.session.scalar(sa.select(sa.func.count(Application.id)).where(Application.state == "approved")) == 2
    assert verify_chain().ok


def test_concurrent_requests_for_one_unchanged_application_form_issue_one_document(app):
    """Several people printing the same unchanged 申报书 at once get one numbered document."""
    app_id = f.submitted()
    applicant_id = f.user("wuhua_applicant").id

    def print_form():
        issuing.issue_application_form(db.session.get(User, applicant_id), app_id)

    results = race(app, [print_form] * 5)
    assert results == ["ok"] * 5
    db.session.expire_all()
    issued = db.session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.entity_type == "application", IssuedDocument.entity_id == app_id,
        IssuedDocument.kind == "application_form")).all()
    assert len(issued) == 1 and len(issued[0].versions) == 1


def test_the_office_and_the_scheduler_opening_the_years_checks_at_once_open_each_once(app):
    project_ids = [f.project(), f.project("dali_applicant")]
    office_id, year = f.user("office").id, clock.today().year

    def by_the_office():
        checks.open_checks(db.session.get(User, office_id), year)

    def by_the_scheduler():
        checks.open_checks_as_system(year)

    results = race(app, [by_the_office, by_the_scheduler, by_the_office, by_the_scheduler])
    assert results == ["ok"] * 4
    db.session.expire_all()
    opened = db.session.scalars(sa.select(MidtermCheck.project_id).where(MidtermCheck.year == year)).all()
    assert sorted(opened) == sorted(project_ids)
    assert verify_chain().ok


def test_concurrent_submissions_take_distinct_gapless_numbers(app):
    drafts = [f.draft() for _ in range(6)]
    applicant_id = f.user("wuhua_applicant").id

    def submit(app_id):
        return lambda: perform(db.session.get(User, applicant_id), "application", app_id, "submit", {})

    assert race(app, [submit(a) for a in drafts]) == ["ok"] * len(drafts)
    db.session.expire_all()
    numbers = sorted(db.session.scalars(sa.select(Application.number).where(Application.id.in_(drafts))))
    year = clock.today().year
    assert numbers == [f"云试申〔{year}〕{n:04d}号" for n in range(1, len(drafts) + 1)]
