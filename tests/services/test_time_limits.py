"""Time limits on the product's clock: on time → due soon → overdue; 停表 while an application
is with its applicant (the reviewer's days exclude the revision, which is counted on its own);
the Office's override of a stage's limit; the supervision board's figures."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Denied, Invalid, NotFound
from app.extensions import db
from app.models import Application, AuditRecord, StepLimit
from app.services.commands import perform
from app.services.reads import supervision
from app.services.records import audit
from app.services.time import limits, step_limits
from app.services.time.limits import Level
from tests import factories as f


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    """A moment in 2026, Beijing time (March 2026 has no holiday)."""
    return datetime(2026, month, day, hour, 0, tzinfo=clock.BEIJING)


def app_status(app_id: int) -> limits.Limit:
    app = db.session.get(Application, app_id)
    db.session.refresh(app)
    return limits.status("application", app)


def act(username: str, app_id: int, trigger: str, opinion: str = "意见") -> None:
    with transaction():
        perform(f.user(username), "application", app_id, trigger, {"opinion": opinion})


def test_an_item_goes_from_on_time_to_due_soon_to_overdue_as_the_clock_moves(app):
    clock.set_now(at(2, hour=10))  # Monday: 初审 allows 7 working days (its shortest step) → due Wednesday 11 March
    app_id = f.endorsed()
    first = app_status(app_id)
    assert first.deadline.astimezone(clock.BEIJING).date().isoformat() == "2026-03-11"
    assert (first.level, first.days_left, first.days) == (Level.ON_TIME, 7, 7)
    clock.set_now(at(6))
    assert (app_status(app_id).level, app_status(app_id).days_left) == (Level.ON_TIME, 3)
    clock.set_now(at(9))
    assert (app_status(app_id).level, app_status(app_id).days_left) == (Level.DUE_SOON, 2)
    clock.set_now(at(11, hour=23))
    assert app_status(app_id).level is Level.DUE_SOON
    clock.set_now(at(12))
    late = app_status(app_id)
    assert (late.level, late.days_left, late.overdue) == (Level.OVERDUE, -1, True)


def test_the_reviewers_clock_stops_while_the_application_is_returned_and_resumes_on_resubmission(app):
    clock.set_now(at(2))
    app_id = f.endorsed()
    clock.set_now(at(5))  # 3 of the 7 working days used by the Office
    act("office", app_id, "return_for_revision")
    clock.set_now(at(12))  # 5 working days of revision by the applicant
    act("wuhua_applicant", app_id, "resubmit")
    clock.set_now(at(13))
    resumed = app_status(app_id)
    assert resumed.used == 3 + 1 and resumed.revision_days == 5
    # 4 days were left at the return: counted from the resubmission, not from scratch
    assert resumed.deadline.astimezone(clock.BEIJING).date().isoformat() == "2026-03-18"
    assert resumed.days_left == 3 and resumed.level is Level.ON_TIME


def test_records_that_change_no_state_do_not_move_the_clock(app):
    clock.set_now(at(2))
    app_id = f.endorsed()
    before = app_status(app_id)
    with transaction():  # a stand-in for a 催办 record: no state change
        audit.record(entity_type="application", entity_id=app_id, trigger="urge", actor=f.user("leader"),
                     role="leader", payload={})
    clock.set_now(at(2, hour=11))
    assert app_status(app_id).deadline == before.deadline


def test_an_override_changes_the_deadline_and_clearing_it_returns_to_the_default(app):
    clock.set_now(at(2))
    app_id = f.endorsed()
    with transaction():
        step_limits.set_limit(f.user("admin"), "application", "initial_review", {"days": "5"})
    assert app_status(app_id).deadline.astimezone(clock.BEIJING).date().isoformat() == "2026-03-09"
    row = {(s.kind, s.state.value): s for s in step_limits.stage_limits(f.user("admin"))}[
        ("application", "initial_review")]
    assert (row.default, row.override, row.effective, row.set_by) == (7, 5, 5, f.user("admin").display_name)
    with transaction():
        step_limits.clear_limit(f.user("admin"), "application", "initial_review")
    assert app_status(app_id).days == 7
    trail = db.session.scalars(sa.select(AuditRecord.trigger).where(AuditRecord.entity_type == "time_limit")
                               .order_by(AuditRecord.id)).all()
    assert trail == ["time_limit_set", "time_limit_clear"]


@pytest.mark.parametrize("days", [0, -3, 366, "abc", None, "2.5"])
def test_a_limit_of_zero_or_less_or_absurdly_long_is_refused_and_nothing_is_written(app, days):
    records = db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))
    with pytest.raises(Invalid) as refused:
        with transaction():
            step_limits.set_limit(f.user("admin"), "application", "initial_review", {"days": days})
    assert "days" in refused.value.errors
    assert db.session.scalar(sa.select(sa.func.count(StepLimit.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id))) == records


def test_only_admins_set_limits_and_only_stages_with_a_limit_have_one(app):
    with pytest.raises(Denied):
        step_limits.set_limit(f.user("office"), "application", "initial_review", {"days": 5})
    with pytest.raises(NotFound):
        step_limits.set_limit(f.user("admin"), "application", "draft", {"days": 5})
    with pytest.raises(NotFound):
        step_limits.clear_limit(f.user("admin"), "nothing", "draft")


def board_history() -> dict[str, int]:
    """Three applications in 初审 from 2 March: one passed on time, one late, one still there."""
    clock.set_now(at(2))
    quick, slow, waiting = f.endorsed(), f.endorsed("kunming_applicant"), f.endorsed("dali_applicant")
    clock.set_now(at(5))  # 3 working days
    act("office", quick, "pass_initial_review")
    clock.set_now(at(1, month=4))  # 22 working days: late
    act("office", slow, "pass_initial_review")
    return {"quick": quick, "slow": slow, "waiting": waiting}


def test_the_board_counts_on_time_rate_current_warnings_and_average_days(app):
    ids = board_history()
    board = supervision.board(f.user("leader"))
    stage = {r.key: r.figures for r in board.rows["stage"]}["application:initial_review"]
    assert (stage.completed, stage.on_time, stage.late) == (2, 1, 1)
    assert stage.on_time_rate == 0.5 and stage.average_days == (3 + 22) / 2
    assert (stage.current, stage.overdue) == (1, 1)  # the third is past its 11 March deadline
    offices = {r.label: r.figures for r in board.rows["office"]}
    assert offices["省信息办"].overdue >= 1 and "昆明市信息化主管部门" in offices
    prefectures = {r.label for r in board.rows["prefecture"]}
    assert {"昆明市", "大理白族自治州"} & prefectures
    items = supervision.drill_down(f.user("leader"), "stage", "application:initial_review", "late")
    assert [i.fact.entity.id for i in items] == [ids["slow"]]
    overdue = supervision.drill_down(f.user("leader"), "stage", "application:initial_review", "overdue")
    assert [i.fact.entity.id for i in overdue] == [ids["waiting"]]
    assert len(supervision.drill_down(f.user("leader"), "bogus", "x", "nonsense")) == len(supervision.facts(
        f.user("leader")))


def test_the_board_is_empty_without_history_and_denied_to_applicants(app):
    assert supervision.board(f.user("office")).empty
    with pytest.raises(Denied) as denied:
        supervision.board(f.user("wuhua_applicant"))
    assert "电子监察" in str(denied.value)
