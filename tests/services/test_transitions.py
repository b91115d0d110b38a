"""services.transitions.fire: policy first, then guards, then compare-and-set, audit, outbox."""
import pytest
import sqlalchemy as sa

from app.database import transaction
from app.errors import Conflict, Denied, Invalid
from app.extensions import db
from app.models import Application, AuditRecord, Notification, OutboxMessage
from app.policies import check
from app.services.commands import perform
from app.services.engine.fire import available_steps, fire
from tests import factories as f
from workflows.application import ApplicationState as S


def test_an_applicant_cannot_pass_initial_review_and_is_told_why(app):
    app_id = f.endorsed()
    with pytest.raises(Denied) as err, transaction():
        perform(f.user("wuhua_applicant"), "application", app_id, "pass_initial_review", {"opinion": "自己通过"})
    assert err.value.reason == check("office_reviewer", f.user("wuhua_applicant")).reason
    assert db.session.get(Application, app_id).state == S.INITIAL_REVIEW


def test_an_unknown_policy_is_denied_with_a_reason(app):
    decision = check("no_such_policy", f.user("admin"))
    assert not decision.allowed and "no_such_policy" in decision.reason


def test_a_decision_without_an_opinion_is_refused(app):
    app_id = f.endorsed()
    with pytest.raises(Invalid) as err, transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "   "})
    assert "opinion" in err.value.errors


def test_a_stale_version_is_a_conflict_and_changes_nothing(app):
    app_id = f.endorsed()
    version = db.session.get(Application, app_id).version
    with pytest.raises(Conflict), transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "通过"}, version - 1)
    db.session.expire_all()
    assert db.session.get(Application, app_id).version == version


def test_a_step_from_the_wrong_stage_is_a_conflict_naming_the_stage(app):
    app_id = f.draft()
    with pytest.raises(Conflict) as err, transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "通过"})
    assert "草稿" in str(err.value) or "Draft" in str(err.value)


def test_every_decision_records_who_in_which_role_when_and_the_opinion(app):
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "return_for_revision", {"opinion": "预算不全，请补充"})
    rec = db.session.scalars(sa.select(AuditRecord).where(AuditRecord.entity_id == app_id,
                                                          AuditRecord.entity_type == "application")
                             .order_by(AuditRecord.id.desc())).first()
    assert (rec.trigger, rec.actor_id, rec.actor_role) == ("return_for_revision", f.user("office").id, "office_reviewer")
    assert (rec.from_state, rec.to_state, rec.opinion) == ("initial_review", "returned_by_reviewer", "预算不全，请补充")
    assert rec.created_at is not None


@pytest.mark.usefixtures("factory_jobs")
def test_a_decision_leaves_an_outbox_row_that_becomes_a_notification_for_the_applicant(app):
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "return_for_revision", {"opinion": "请修改"})
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))
                             .where(OutboxMessage.delivered_at.is_(None))) == 0
    notes = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == f.user("wuhua_applicant").id, Notification.entity_id == app_id)).all()
    assert any(n.params["to"] == "returned_by_reviewer" for n in notes)


def test_available_steps_are_those_the_actor_may_take_now(app):
    app_id = f.endorsed()
    entity = db.session.get(Application, app_id)
    office = {s.trigger for s in available_steps(entity, f.user("office"))}
    applicant = {s.trigger for s in available_steps(entity, f.user("wuhua_applicant"))}
    leader = {s.trigger for s in available_steps(entity, f.user("leader"))}
    assert office == {"pass_initial_review", "return_for_revision", "refuse"}
    assert applicant == {"withdraw"}
    assert leader == set()  # in the plan: nothing to override


def test_fire_refuses_a_trigger_the_flow_does_not_have(app):
    entity = db.session.get(Application, f.draft())
    with pytest.raises(Invalid):
        fire(entity, "approve_everything", f.user("leader"))
