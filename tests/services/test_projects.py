"""立项 within the batch quota, project codes, acceptance requests, follow-on funding."""

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict
from app.extensions import db
from app.models import Application, Batch, Project
from app.services.commands import funding, perform, projects
from app.services.engine.guards import message
from app.services.reads.projects import agency_evaluations
from tests import factories as f
from workflows.application import ApplicationState as S

APPROVAL = {"opinion": "批准立项", "approved_budget": "90", "construction_months": 12}


def test_approval_creates_the_project_with_a_gapless_code_and_its_period(app):
    first, second = f.project(), f.project()
    a, b = db.session.get(Project, first), db.session.get(Project, second)
    year = clock.today().year
    assert (a.code, b.code) == (f"YNDZ-{year}-001", f"YNDZ-{year}-002")
    assert (a.ends_on.year * 12 + a.ends_on.month) - (a.starts_on.year * 12 + a.starts_on.month) == 12
    assert db.session.get(Application, a.application_id).state == S.APPROVED


def test_approval_beyond_the_quota_is_refused_with_a_clear_error(app):
    db.session.execute(sa.update(Batch).values(quota=1))
    db.session.commit()
    f.project()
    waiting = f.awaiting_approval()
    with pytest.raises(Conflict) as err, transaction():
        projects.approve_project(f.user("leader"), waiting, APPROVAL)
    assert message("batch_quota_left") in str(err.value)
    assert db.session.get(Application, waiting).state == S.PROJECT_APPROVAL
    with transaction():
        perform(f.user("leader"), "application", waiting, "leader_reject", {"opinion": "批次名额已满"})
    assert db.session.get(Application, waiting).state == S.REJECTED


def test_an_agencys_evaluations_are_listed_for_its_later_filings(app):
    project_id, _ = f.graded(score="93")
    history = agency_evaluations(db.session.get(Project, project_id).organisation_id)
    assert [(h.project_id, h.grade.value, str(h.total_score)) for h in history] == [(project_id, "excellent", "93.00")]


def test_follow_on_funding_needs_a_project_that_passed_acceptance(app):
    project_id = f.project()
    with pytest.raises(Conflict), transaction():
        funding.file_funding_request(f.user("wuhua_applicant"), project_id, {"amount": "50", "purpose": "推广"})
    graded_id, _ = f.graded()
    with transaction():
        req = funding.file_funding_request(f.user("wuhua_applicant"), graded_id,
                                           {"amount": "50", "purpose": "全市推广"})
    assert req.id and req.organisation_id == db.session.get(Project, graded_id).organisation_id
