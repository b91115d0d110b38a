"""Time limits that act by themselves: reminders, escalations, and a supervisor's 催办 — the
clock driven through due-soon and overdue, mails read from a real SMTP server."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.jobs import periodic
from app.models import Application, AuditRecord, Notification
from app.services.commands import endorsement as escalation
from app.services.commands import perform
from app.services.notify.audience import handling
from app.services.records.audit import verify_chain
from app.services.supervision import reminders
from app.services.supervision.urging import may_urge, urge
from tests import factories as f

MONDAY = datetime(2026, 6, 1, 9, 0)  # submitted then: the endorsement is due on 15 June (10 working days)
DUE_SOON = datetime(2026, 6, 11, 9, 0)  # two working days left
OVERDUE = datetime(2026, 6, 16, 9, 0)


def kinds_for(username, entity_id):
    return [n.kind for n in db.session.scalars(sa.select(Notification).where(
        Notification.user_id == f.user(username).id, Notification.entity_id == entity_id)
        .order_by(Notification.id))]


def scan_at(moment):
    clock.set_now(moment)
    with transaction():
        return reminders.scan(clock.now())


def history(app_id):
    return db.session.scalars(sa.select(AuditRecord).where(AuditRecord.entity_type == "application",
                                                           AuditRecord.entity_id == app_id)
                              .order_by(AuditRecord.id)).all()


@pytest.mark.usefixtures("factory_jobs")
def test_due_soon_reminds_the_handlers_once_per_stage_episode(app, mailbox):
    clock.set_now(MONDAY)
    app_id = f.submitted("wuhua_applicant")
    assert scan_at(DUE_SOON - timedelta(days=1)).reminded == 0  # three working days left: on time
    assert scan_at(DUE_SOON).reminded == 1
    assert kinds_for("wuhua_office", app_id) == ["task", "reminder"]
    reminder = [m for m in mailbox.to("wuhua.office@example.gov.cn") if "即将到期" in m["Subject"]]
    assert len(reminder) == 1 and "2026-06-15 23:59" in mailbox.text(reminder[0])
    assert scan_at(DUE_SOON + timedelta(hours=2)).reminded == 0  # idempotent
    assert kinds_for("wuhua_office", app_id) == ["task", "reminder"]


def test_overdue_county_endorsement_escalates_to_the_prefecture_office_in_the_history(app, mailbox):
    clock.set_now(MONDAY)
    app_id = f.submitted("wuhua_applicant")
    assert scan_at(OVERDUE).escalated == 1
    [rec] = [r for r in history(app_id) if r.trigger == "escalate"]
    assert rec.from_state == rec.to_state == "endorsing" and rec.actor_id is None
    assert rec.payload["escalated_to"] == ["吴刚（昆明市信息办）"]
    assert kinds_for("kunming_office", app_id) == ["escalation"]
    assert any("已超期" in m["Subject"] for m in mailbox.to("kunming.office@example.gov.cn"))
    assert scan_at(OVERDUE + timedelta(days=1)).escalated == 0  # once per stage episode
    assert verify_chain().ok


def test_overdue_prefecture_endorsement_escalates_to_the_office(app):
    clock.set_now(MONDAY)
    app_id = f.submitted("kunming_applicant")
    scan_at(OVERDUE)
    assert kinds_for("office", app_id) == ["escalation"]


def test_the_next_office_up_starts_a_new_episode(app):
    clock.set_now(MONDAY)
    app_id = f.submitted("wuhua_applicant")
    scan_at(DUE_SOON)
    with transaction():
        escalation.endorse(f.user("wuhua_office"), app_id, {"opinion": "同意", "ranking": 1})
    scan_at(DUE_SOON + timedelta(hours=1))
    assert kinds_for("kunming_office", app_id) == ["task", "reminder"]


def test_overdue_initial_review_escalates_to_the_leaders_by_the_scheduled_job(app, mailbox):
    clock.set_now(MONDAY)
    app_id = f.submitted("province_applicant")  # straight to 初审 (15 working days)
    clock.set_now(datetime(2026, 6, 30, 7, 31))
    periodic.tick(clock.now())
    assert kinds_for("leader", app_id) == ["escalation"]
    assert any(r.trigger == "escalate" for r in history(app_id))
    periodic.tick(clock.now() + timedelta(minutes=30))  # the same day: nothing new
    assert kinds_for("leader", app_id) == ["escalation"]


def test_an_experts_overdue_scoring_escalates_to_the_office_reviewers(app):
    _, acc_id = f.in_acceptance("wuhua_applicant")
    f.panel(acc_id)
    with transaction():
        result = reminders.scan(clock.now() + timedelta(days=60))
    assert result.escalated == 1
    assert "escalation" in kinds_for("office", acc_id)


# --- 催办 ------------------------------------------------------------------------------------
def urge_as(username, app_id, note="请尽快办理"):
    with transaction():
        return urge(f.user(username), "application", app_id, {"note": note})


def test_who_may_urge_an_endorsement_and_why_not(app):
    app_id = f.submitted("wuhua_applicant")  # waits on the county office (五华区)
    entity = db.session.get(Application, app_id)
    assert may_urge(f.user("leader"), "application", entity)
    assert may_urge(f.user("kunming_office"), "application", entity)  # the prefecture over the county
    assert "正等待您办理" in may_urge(f.user("wuhua_office"), "application", entity).reason
    assert "只有省信息办领导和上级" in may_urge(f.user("office"), "application", entity).reason
    assert "只有省信息办领导和上级" in may_urge(f.user("wuhua_applicant"), "application", entity).reason
    with pytest.raises(NotFound):  # another prefecture's office does not even see it
        urge_as("dali_office", app_id)
    with pytest.raises(Denied):
        urge_as("office", app_id)


def test_a_prefecture_office_may_not_urge_the_office(app):
    app_id = f.endorsed("wuhua_applicant")  # now in 初审 at the Office
    reason = may_urge(f.user("kunming_office"), "application", db.session.get(Application, app_id)).reason
    assert "不是当前办理单位的上级" in reason
    assert may_urge(f.user("leader"), "application", db.session.get(Application, app_id))


def test_nothing_to_urge_when_nobody_waits(app):
    app_id = f.submitted("wuhua_applicant")
    with transaction():
        perform(f.user("wuhua_applicant"), "application", app_id, "withdraw", {"opinion": "撤回"})
    entity = db.session.get(Application, app_id)
    assert not handling("application", entity).handler_ids
    assert "当前无人待办" in may_urge(f.user("leader"), "application", entity).reason


@pytest.mark.usefixtures("factory_jobs")
def test_urging_notifies_the_handlers_is_recorded_and_is_once_a_day(app, mailbox):
    clock.set_now(MONDAY)
    app_id = f.submitted("wuhua_applicant")
    rec = urge_as("kunming_office", app_id, "<script>alert(1)</script> 请本周内推荐")
    assert rec.trigger == "urge" and rec.payload["urged"] == ["周敏（五华区信息办）"]
    assert kinds_for("wuhua_office", app_id) == ["task", "urge"]
    [mail] = [m for m in mailbox.to("wuhua.office@example.gov.cn") if "催办" in m["Subject"]]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mailbox.html(mail) and "<script>" not in mailbox.html(mail)
    assert "请本周内推荐" in mailbox.text(mail) and "吴刚（昆明市信息办）" in mailbox.text(mail)
    with pytest.raises(Conflict):
        urge_as("kunming_office", app_id)
    urge_as("leader", app_id)  # another supervisor may
    clock.set_now(MONDAY + timedelta(days=1))
    urge_as("kunming_office", app_id)  # the next day again


def test_an_urge_needs_a_note(app):
    app_id = f.submitted("wuhua_applicant")
    with pytest.raises(Invalid):
        urge_as("leader", app_id, "   ")
    assert not [r for r in history(app_id) if r.trigger == "urge"]
