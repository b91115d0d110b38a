"""`flask demo load` on a fresh database tells two programme years through the services, with
the clock set back: the figures a new user sees on first sign-in are real. The slowest test of
the suite (the story renders and signs its documents in-process): one story, many assertions."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import clock
from app.demo.lifecycle import demo_user
from app.demo.story import programme_years
from app.extensions import db
from app.factory import create_app
from app.models import (
    Acceptance,
    Application,
    AuditRecord,
    Batch,
    Evaluation,
    MidtermCheck,
    Project,
)
from app.services.reads import dashboard, supervision
from app.services.reads.projects import agency_evaluations
from tests import databases
from workflows.acceptance import AcceptanceState
from workflows.application import ApplicationState
from workflows.evaluation import EvaluationState

TOLD_AT = datetime(2026, 11, 30, 10, 0, tzinfo=clock.BEIJING)  # the story is told relative to now


@pytest.fixture
def fresh_app(tmp_path, pki_dir):
    """An empty database, migrated and nothing else (not the suite's seeded template)."""
    fresh = databases.create("fresh", tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh.url, "TESTING": True, "SERVER_NAME": None,
                      "UPLOAD_DIR": str(tmp_path / "uploads"), "DOCUMENT_DIR": str(tmp_path / "documents"),
                      "PKI_DIR": str(pki_dir), "AUDIT_ANCHOR_DIR": str(tmp_path / "audit-anchors"),
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(revision="heads")
        yield app
        db.session.remove()
        db.engine.dispose()
    databases.drop(fresh)


def _count(*where, model=Application) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where))


def test_demo_load_tells_two_years_that_the_first_sign_in_shows(fresh_app):
    runner = fresh_app.test_cli_runner()
    clock.set_now(TOLD_AT)
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "History: two programme years told" in result.output
    assert clock.now() == TOLD_AT.astimezone(clock.BEIJING)  # the clock is back at the moment of telling

    # Both batches, 2025 and 2026, hold applications.
    last, this = programme_years(clock.now())
    assert (last, this) == (2025, 2026)
    for year in (last, this):
        assert _count(Application.batch_id.in_(sa.select(Batch.id).where(Batch.year == year))) >= 7, year
    # Applications in every state.
    states = {s for s in db.session.scalars(sa.select(Application.state).distinct())}
    assert states == set(ApplicationState), set(ApplicationState) - states
    # Backdated: the history begins in March of last year, every record before now.
    first, latest = db.session.execute(sa.select(sa.func.min(AuditRecord.created_at),
                                                 sa.func.max(AuditRecord.created_at))).one()
    assert first.year == last and first.month == 3
    assert latest.replace(tzinfo=clock.UTC) <= clock.now()
    assert (clock.now() - first.replace(tzinfo=clock.UTC)) > timedelta(days=600)

    # Last year's projects in their second year, with this year's mid-term checks in every state.
    second_year = db.session.execute(
        sa.select(MidtermCheck.state).join(Project, Project.id == MidtermCheck.project_id)
        .where(MidtermCheck.year == sa.extract("year", Project.starts_on) + 1)).scalars().all()
    assert {s.value for s in second_year} >= {"due", "report_submitted", "rectifying", "passed", "terminated"}
    # Accepted (one only at its second round) and evaluated projects …
    acceptances = {s.value for s in db.session.scalars(sa.select(Acceptance.state))}
    assert {"passed", "passed_with_conditions", "re_requested", "requested"} <= acceptances
    assert _count(Acceptance.state == AcceptanceState.PASSED, model=Acceptance) >= 2
    graded = db.session.scalars(sa.select(Evaluation).where(Evaluation.state == EvaluationState.GRADED)).all()
    assert {e.grade.value for e in graded} == {"excellent", "good", "qualified"}
    # … whose agencies' grades stand beside their later filings.
    later = db.session.scalars(sa.select(Application).where(
        Application.organisation_id.in_([e.organisation_id for e in graded]),
        Application.created_at > max(e.graded_at for e in graded))).all()
    assert later and all(agency_evaluations(a.organisation_id) for a in later)

    # The dashboard's figures and the days-per-stage chart are real.
    office = demo_user("office")
    overview = dashboard.programme_overview(office)
    assert overview.total_applications == _count() and overview.total_projects == _count(model=Project) >= 10
    days = {(d.flow, d.state.value): d for d in overview.stage_days}
    assert days[("application", "initial_review")].average_days > 0
    assert days[("project", "under_construction")].average_days > 300  # built for about a year
    # Some items are past their time limit now: the supervision board shows them.
    board = supervision.board(office)
    assert board.total.overdue >= 3 and board.total.completed > 50
    assert 0 < board.total.on_time < board.total.completed  # a few stages were late in the past

    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "audit chain intact" in verify.output, verify.output

    # What each account finds waiting, read from the inboxes; the office is where to start.
    waiting = runner.invoke(args=["demo", "waiting"])
    assert waiting.exit_code == 0, waiting.output
    first, english = waiting.output.splitlines()[:2]  # Chinese first, then English
    assert first.startswith("请先以 office（") and english.startswith("Start with office (")
    office_line = next(line for line in waiting.output.splitlines() if line.strip().startswith("office "))
    assert "逾期" in office_line and "overdue" in office_line and "初审" in office_line

    # Loading again adds nothing and says so.
    filed = _count()
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and f"already holds {filed} applications; nothing added" in again.output
    assert _count() == filed
