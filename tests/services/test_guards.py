"""The named guards the flows refer to, each seen true and false on real items walked through
the lifecycle by the real services."""
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.demo.seed import DEMO_PASSWORD
from app.errors import Conflict
from app.extensions import db
from app.models import Acceptance, Application, MidtermCheck, Project
from app.services.commands import acceptance as acceptance_svc
from app.services.commands import (
    admin,
    applications,
    checks,
    demonstration,
    evaluation,
    perform,
    projects,
    review,
)
from app.services.commands import endorsement as escalation
from app.services.engine.fire import guards_of
from app.services.engine.guards import message
from tests import factories as f

OFF_PLAN = {"plan_item_id": None, "off_plan_justification": "本地急需，规划编制时尚未列入"}
SIGN = {"password": DEMO_PASSWORD}
YEAR = clock.today().year


def holds(model, entity_id: int, *guards: str, actor=None) -> tuple[bool, ...] | bool:
    """Evaluate named guards on the item as it is in the database now, as fire() would."""
    db.session.expire_all()
    entity = db.session.get(model, entity_id)
    built = guards_of(entity, actor)
    results = tuple(built[g]() for g in guards)
    return results[0] if len(results) == 1 else results


def set_batch(**changes) -> None:
    batch = f.demo_batch()
    data = {"name": batch.name, "year": batch.year, "opens_on": batch.opens_on, "closes_on": batch.closes_on,
            "quota": batch.quota, **changes}
    with transaction():
        admin.update_batch(f.user("admin"), batch.id, data)


# --- filing ----------------------------------------------------------------------------------
def test_needs_endorsement_for_a_county_filing_and_no_endorsement_needed_for_a_provincial_one(app):
    county, provincial = f.submitted("wuhua_applicant"), f.submitted("province_applicant")
    guards = ("needs_endorsement", "no_endorsement_needed")
    assert holds(Application, county, *guards) == (True, False)
    assert holds(Application, provincial, *guards) == (False, True)


@pytest.mark.parametrize("opens,closes,is_open", [
    (-30, 0, True), (0, 30, True), (-60, -1, False), (1, 60, False)],
    ids=["closes-today", "opens-today", "closed-yesterday", "opens-tomorrow"])
def test_batch_open_holds_from_the_day_the_batch_opens_to_the_day_it_closes(app, opens, closes, is_open):
    """Days are Beijing's: at 00:30 in Beijing the UTC date is still yesterday's."""
    app_id = f.draft()
    with clock.frozen(datetime.combine(clock.today(), time(0, 30))):
        today = clock.today()
        set_batch(opens_on=today + timedelta(days=opens), closes_on=today + timedelta(days=closes))
        assert holds(Application, app_id, "batch_open") is is_open


def test_a_draft_is_not_submitted_into_a_closed_batch(app):
    app_id = f.draft()
    set_batch(opens_on=date(YEAR - 1, 1, 1), closes_on=date(YEAR - 1, 12, 31))
    with pytest.raises(Conflict) as err, transaction():
        applications.submit_application(f.user("wuhua_applicant"), app_id)
    assert str(err.value) == message("batch_open")
    assert db.session.get(Application, app_id).state.value == "draft"


def test_plan_item_or_justification_holds_for_a_plan_item_or_a_written_reason(app):
    in_plan, justified = f.draft(), f.draft(**OFF_PLAN)
    assert holds(Application, in_plan, "plan_item_or_justification")
    assert holds(Application, justified, "plan_item_or_justification")


def test_plan_item_or_justification_fails_for_a_draft_with_neither_even_if_the_reason_is_blanks(app):
    """The form refuses such a draft; the guard still stops one stored some other way (the
    database allows it while it is a draft)."""
    app_id = f.draft(**OFF_PLAN)
    with transaction():
        db.session.execute(sa.update(Application).where(Application.id == app_id)
                           .values(off_plan_justification="   "))
    assert not holds(Application, app_id, "plan_item_or_justification")
    with pytest.raises(Conflict) as err, transaction():
        applications.submit_application(f.user("wuhua_applicant"), app_id)
    assert str(err.value) == message("plan_item_or_justification")


# --- endorsement and review --------------------------------------------------------------------
def test_more_endorsements_after_this_until_the_last_office_on_the_route(app):
    county, prefecture = f.submitted("wuhua_applicant"), f.submitted("kunming_applicant")
    guards = ("more_endorsements_after_this", "last_endorsement")
    assert holds(Application, county, *guards) == (True, False)
    assert holds(Application, prefecture, *guards) == (False, True)
    with transaction():
        escalation.endorse(f.user("wuhua_office"), county, {"opinion": "同意上报", "ranking": 1})
    assert holds(Application, county, *guards) == (False, True)


def test_in_plan_or_overridden_holds_in_the_plan_or_after_a_leaders_override(app):
    in_plan, off_plan = f.endorsed(), f.endorsed("kunming_applicant", **OFF_PLAN)
    guards = ("in_plan_or_overridden", "off_plan_not_overridden")
    assert holds(Application, in_plan, *guards) == (True, False)
    assert holds(Application, off_plan, *guards) == (False, True)
    with transaction():
        review.override_plan_gate(f.user("leader"), off_plan, {"opinion": "地方急需，同意特批"})
    assert holds(Application, off_plan, *guards) == (True, False)


def test_all_joint_opinions_in_only_once_every_organisation_has_spoken_in_this_round(app):
    app_id = f.in_re_review()
    for name, expected in (("fgw", False), ("czt", False), ("xxb", True)):
        assert not holds(Application, app_id, "all_joint_opinions_in")
        with transaction():
            review.record_joint_opinion(f.user(name), app_id, {"recommendation": "return", "opinion": "需修改"})
        assert holds(Application, app_id, "all_joint_opinions_in") is expected
    with transaction():
        perform(f.user("office"), "application", app_id, "re_review_return", {"opinion": "请修改"})
    with transaction():
        applications.resubmit_application(f.user("wuhua_applicant"), app_id, {"opinion": "已修改"})
    assert not holds(Application, app_id, "all_joint_opinions_in")  # a new round starts empty


def test_batch_quota_left_until_the_batch_has_given_its_last_place(app):
    set_batch(quota=1)
    first, second = f.awaiting_approval(), f.awaiting_approval("kunming_applicant")
    assert holds(Application, first, "batch_quota_left") and holds(Application, second, "batch_quota_left")
    with transaction():
        projects.approve_project(f.user("leader"), first, {"opinion": "批准立项", "approved_budget": "100",
                                                           "construction_months": 12})
    assert not holds(Application, second, "batch_quota_left")


# --- projects ----------------------------------------------------------------------------------
def test_no_open_midterm_check_fails_while_the_years_check_is_open_and_holds_once_it_passed(app):
    project_id = f.project()
    assert holds(Project, project_id, "no_open_midterm_check")
    with transaction():
        checks.open_checks(f.user("office"), YEAR)
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))
    assert not holds(Project, project_id, "no_open_midterm_check")
    with transaction():
        checks.submit_progress_report(f.user("wuhua_applicant"), check_id, {"report": "进展顺利"})
    assert not holds(Project, project_id, "no_open_midterm_check")
    with transaction():
        checks.pass_check(f.user("office"), check_id, {"opinion": "通过"})
    assert holds(Project, project_id, "no_open_midterm_check")


def test_acceptance_passed_fails_while_the_acceptance_is_under_way(app):
    project_id, _ = f.in_acceptance()
    assert not holds(Project, project_id, "acceptance_passed")


@pytest.mark.parametrize("fraction,passed", [(0.9, True), (0.7, True), (0.4, False)],
                         ids=["pass", "pass-with-conditions", "fail"])
def test_acceptance_passed_holds_after_a_pass_or_a_pass_with_conditions(app, fraction, passed):
    project_id, _ = f.accepted(fraction=fraction)
    assert holds(Project, project_id, "acceptance_passed") is passed


def grade(project_id: int, period: str, score: str) -> int:
    with transaction():
        ev_id = evaluation.open_evaluations(f.user("office"), period, [project_id])[0].id
    with transaction():
        evaluation.submit_self_evaluation(f.user("wuhua_applicant"), ev_id, {"report": "运行情况"})
    with transaction():
        evaluation.score_evaluation(f.user("office"), ev_id, {"opinion": "评分", "results_score": score,
                                                              "operation_score": score, "promotion_score": score})
    with transaction():
        evaluation.confirm_grade(f.user("leader"), ev_id, {"opinion": "同意"})
    return ev_id


def test_has_graded_evaluation_only_once_a_leader_confirmed_a_grade(app):
    project_id, _ = f.accepted()
    assert not holds(Project, project_id, "has_graded_evaluation")
    with transaction():
        ev_id = evaluation.open_evaluations(f.user("office"), str(YEAR + 1), [project_id])[0].id
    assert not holds(Project, project_id, "has_graded_evaluation")
    with transaction():
        evaluation.submit_self_evaluation(f.user("wuhua_applicant"), ev_id, {"report": "运行情况"})
    with transaction():
        evaluation.score_evaluation(f.user("office"), ev_id, {"opinion": "评分", "results_score": "70",
                                                              "operation_score": "70", "promotion_score": "70"})
    assert not holds(Project, project_id, "has_graded_evaluation")
    with transaction():
        evaluation.confirm_grade(f.user("leader"), ev_id, {"opinion": "同意"})
    assert holds(Project, project_id, "has_graded_evaluation")


@pytest.mark.parametrize("score,well", [("95", True), ("80", True), ("70", False), ("50", False)],
                         ids=["excellent", "good", "qualified", "unqualified"])
def test_well_evaluated_holds_for_an_excellent_or_good_grade(app, score, well):
    project_id, _ = f.graded(score=score)
    assert holds(Project, project_id, "well_evaluated") is well


def test_well_evaluated_reads_the_latest_grade(app):
    project_id, _ = f.graded(score="95")
    assert holds(Project, project_id, "well_evaluated")
    grade(project_id, str(YEAR + 2), "50")
    assert not holds(Project, project_id, "well_evaluated")


def test_demonstration_places_left_until_the_configured_maximum_is_selected(app):
    app.config.update(DEMONSTRATION_MAX=1)
    first, _ = f.graded("wuhua_applicant", score="95")
    second, _ = f.graded("kunming_applicant", score="95")
    assert holds(Project, first, "demonstration_places_left") and holds(Project, second, "demonstration_places_left")
    with transaction():
        demonstration.select_demonstration(f.user("leader"), first, {"opinion": "成效显著"})
    assert not holds(Project, second, "demonstration_places_left")


# --- acceptance --------------------------------------------------------------------------------
def scoring():
    """An acceptance whose panel is formed: (acceptance id, chair, the other members)."""
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id)
    chair = next(u for u, is_chair in members if is_chair)
    return acc_id, chair, [u for u, is_chair in members if not is_chair]


def concluded(fraction: float = 0.9, panel=None):
    """Scored by every member at ``fraction`` of each criterion's maximum, and concluded by the chair."""
    acc_id, chair, others = panel or scoring()
    for expert in (chair, *others):
        with transaction():
            acceptance_svc.submit_scores(expert, acc_id, f.full_scores(fraction))
    with transaction():
        acceptance_svc.conclude(chair, acc_id, {"opinion": "专家组意见"})
    return acc_id, chair, others


def test_all_scored_only_once_every_panel_member_has_scored(app):
    acc_id, chair, others = scoring()
    for expert in (*others, chair):
        assert not holds(Acceptance, acc_id, "all_scored")
        with transaction():
            acceptance_svc.submit_scores(expert, acc_id, f.full_scores())
    assert holds(Acceptance, acc_id, "all_scored")


def test_all_scored_fails_before_a_panel_is_formed(app):
    _, acc_id = f.in_acceptance()
    assert not holds(Acceptance, acc_id, "all_scored")


def test_chair_signs_last_holds_for_other_members_at_once_and_for_the_chair_when_alone_unsigned(app):
    acc_id, chair, others = concluded()
    assert not holds(Acceptance, acc_id, "chair_signs_last", actor=chair)
    assert all(holds(Acceptance, acc_id, "chair_signs_last", actor=u) for u in others)
    with transaction():
        acceptance_svc.sign_report(others[0], acc_id, SIGN)
    assert not holds(Acceptance, acc_id, "chair_signs_last", actor=chair)
    with transaction():
        acceptance_svc.sign_report(others[1], acc_id, SIGN)
    assert holds(Acceptance, acc_id, "chair_signs_last", actor=chair)


def test_all_signed_only_once_every_member_including_the_chair_has_signed(app):
    acc_id, chair, others = concluded()
    for expert in (*others, chair):
        assert not holds(Acceptance, acc_id, "all_signed")
        with transaction():
            acceptance_svc.sign_report(expert, acc_id, SIGN)
    assert holds(Acceptance, acc_id, "all_signed")


@pytest.mark.parametrize("fraction,which", [(0.9, "concluded_pass"), (0.7, "concluded_with_conditions"),
                                            (0.4, "concluded_fail")], ids=["pass", "conditional", "fail"])
def test_exactly_one_concluded_guard_holds_and_it_matches_the_panels_conclusion(app, fraction, which):
    panel = scoring()
    names = ("concluded_pass", "concluded_with_conditions", "concluded_fail")
    assert holds(Acceptance, panel[0], *names) == (False, False, False)  # nothing concluded yet
    acc_id, _, _ = concluded(fraction, panel)
    assert holds(Acceptance, acc_id, *names) == tuple(name == which for name in names)
