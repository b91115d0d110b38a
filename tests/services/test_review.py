"""初审, the plan gate, 领导审批 and the joint 复审."""
import pytest
import sqlalchemy as sa
from flask_babel import gettext

from app.database import transaction
from app.errors import Conflict, Denied
from app.extensions import db
from app.models import Application, JointOpinion
from app.services.commands import applications, perform, review
from app.services.engine.guards import message
from tests import factories as f
from workflows.application import ApplicationState as S

OFF_PLAN = {"plan_item_id": None, "off_plan_justification": "本地急需，规划编制时尚未列入"}


def test_an_off_plan_pilot_cannot_pass_initial_review_without_a_leaders_override(app):
    app_id = f.endorsed(**OFF_PLAN)
    with pytest.raises(Conflict) as err, transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "通过"})
    assert message("in_plan_or_overridden") in str(err.value)
    with pytest.raises(Denied), transaction():
        review.override_plan_gate(f.user("office"), app_id, {"opinion": "我来特批"})
    with transaction():
        review.override_plan_gate(f.user("leader"), app_id, {"opinion": "地方急需，同意特批"})
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "通过"})
    app_ = db.session.get(Application, app_id)
    assert app_.state == S.LEADER_APPROVAL and app_.plan_overridden_by_id == f.user("leader").id


def test_an_off_plan_draft_without_justification_cannot_be_submitted(app):
    from app.errors import Invalid

    with pytest.raises(Invalid) as err, transaction():
        applications.create_application(f.user("wuhua_applicant"), f.draft_data(plan_item_id=None))
    assert "off_plan_justification" in err.value.errors


def test_the_leader_can_send_an_application_back_to_initial_review(app):
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "通过"})
    with transaction():
        perform(f.user("leader"), "application", app_id, "leader_return", {"opinion": "请核实预算"})
    assert db.session.get(Application, app_id).state == S.INITIAL_REVIEW


def test_re_review_concludes_only_once_every_joint_reviewer_has_given_an_opinion(app):
    app_id = f.in_re_review()
    for name in ("fgw", "czt"):
        with transaction():
            review.record_joint_opinion(f.user(name), app_id, {"recommendation": "approve", "opinion": "同意"})
    with pytest.raises(Conflict) as err, transaction():
        perform(f.user("office"), "application", app_id, "re_review_approve", {"opinion": "通过"})
    assert message("all_joint_opinions_in") in str(err.value)
    with transaction():
        review.record_joint_opinion(f.user("xxb"), app_id, {"recommendation": "approve", "opinion": "同意"})
    with transaction():
        perform(f.user("office"), "application", app_id, "re_review_approve", {"opinion": "通过"})
    assert db.session.get(Application, app_id).state == S.PROJECT_APPROVAL


def test_a_joint_reviewer_gives_one_opinion_per_round(app):
    app_id = f.in_re_review()
    with transaction():
        review.record_joint_opinion(f.user("fgw"), app_id, {"recommendation": "approve", "opinion": "同意"})
    with pytest.raises(Denied) as err, transaction():
        review.record_joint_opinion(f.user("fgw"), app_id, {"recommendation": "reject", "opinion": "改主意"})
    assert err.value.reason == gettext("Your organisation has already given its opinion in this round.")


def test_a_revision_after_re_review_returns_to_re_review_for_a_fresh_round(app):
    app_id = f.returned_by_re_review()
    with transaction():
        applications.resubmit_application(f.user("wuhua_applicant"), app_id, {"opinion": "已修改"})
    app_ = db.session.get(Application, app_id)
    assert (app_.state, app_.re_review_round) == (S.RE_REVIEW, 2)
    with transaction():  # last round's opinions do not count for this one
        review.record_joint_opinion(f.user("fgw"), app_id, {"recommendation": "approve", "opinion": "同意"})
    assert db.session.scalar(sa.select(sa.func.count(JointOpinion.id))
                             .where(JointOpinion.application_id == app_id)) == 4


def test_only_drafts_and_returned_applications_can_be_edited(app):
    app_id = f.endorsed()
    version = db.session.get(Application, app_id).version
    with pytest.raises(Conflict), transaction():
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(name="改名的申报"), version)
