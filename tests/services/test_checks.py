"""中期检查: one per project per year; rectification with a deadline; termination."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.demo.materials import acceptance_materials
from app.errors import Invalid
from app.extensions import db
from app.models import MidtermCheck, Project
from app.services.commands import checks
from app.services.engine.guards import message
from tests import factories as f
from workflows.midterm_check import MidtermCheckState as C
from workflows.project import ProjectState as P

YEAR = clock.today().year


def opened(project_id):
    with transaction():
        checks.open_checks(f.user("office"), YEAR)
    return db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))


def test_opening_the_years_checks_twice_opens_nothing_new(app):
    f.project(), f.project("kunming_applicant")
    with transaction():
        first = checks.open_checks(f.user("office"), YEAR)
    with transaction():
        second = checks.open_checks(f.user("office"), YEAR)
    assert (len(first), len(second)) == (2, 0)


def test_only_the_office_opens_checks(app):
    from app.errors import Denied

    with pytest.raises(Denied), transaction():
        checks.open_checks(f.user("leader"), YEAR)


def test_a_check_can_order_rectification_by_a_future_deadline_and_then_pass(app):
    project_id = f.project()
    check_id = opened(project_id)
    with transaction():
        checks.submit_progress_report(f.user("wuhua_applicant"), check_id, {"report": "完成需求分析"})
    with pytest.raises(Invalid) as err, transaction():
        checks.order_rectification(f.user("office"), check_id, {"opinion": "整改", "deadline": clock.today()})
    assert "deadline" in err.value.errors
    for too_far in (clock.today() + timedelta(days=367), date(9999, 12, 31)):  # at most a year
        with pytest.raises(Invalid) as err, transaction():
            checks.order_rectification(f.user("office"), check_id, {"opinion": "整改", "deadline": too_far})
        assert "整改期限最长为自今日起一年" in str(err.value.errors["deadline"])
    assert db.session.get(MidtermCheck, check_id).rectification_deadline is None
    deadline = clock.today() + timedelta(days=30)
    with transaction():
        checks.order_rectification(f.user("office"), check_id, {"opinion": "进度滞后，限期整改", "deadline": deadline})
    check = db.session.get(MidtermCheck, check_id)
    assert (check.state, check.rectification_deadline) == (C.RECTIFYING, deadline)
    with transaction():
        checks.submit_rectification(f.user("wuhua_applicant"), check_id, {"report": "已整改"})
    with transaction():
        checks.pass_check(f.user("office"), check_id, {"opinion": "整改到位"})
    assert db.session.get(MidtermCheck, check_id).state == C.PASSED


def test_terminating_at_a_check_ends_the_project_too(app):
    project_id = f.project()
    check_id = opened(project_id)
    with transaction():
        checks.submit_progress_report(f.user("wuhua_applicant"), check_id, {"report": "停滞"})
    with transaction():
        checks.terminate_from_check(f.user("leader"), check_id, {"opinion": "建设条件丧失"})
    assert db.session.get(MidtermCheck, check_id).state == C.TERMINATED
    assert db.session.get(Project, project_id).state == P.TERMINATED


def test_acceptance_cannot_be_requested_while_the_years_check_is_open(app):
    from app.errors import Conflict
    from app.services.commands import projects

    project_id = f.project()
    opened(project_id)
    with pytest.raises(Conflict) as err, transaction():
        projects.request_acceptance(f.user("wuhua_applicant"), project_id, {"summary": "完成", "materials": acceptance_materials()})
    assert message("no_open_midterm_check") in str(err.value)
