"""Everyone whose work it is gets notified — in-app and by mail through a real SMTP server."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.extensions import db
from app.jobs import periodic, queue
from app.models import Application, Notification, OutboxMessage, OutboxStatus
from app.services.commands import acceptance as acceptance_svc
from app.services.commands import endorsement as escalation
from app.services.notify.audience import handlers
from tests import factories as f

pytestmark = pytest.mark.usefixtures("factory_jobs")  # every notification the factories' steps cause

MONDAY = datetime(2026, 6, 1, 9, 0)  # Beijing time, a working day in the demo batch's year


def notes(username, kind=None):
    q = sa.select(Notification).where(Notification.user_id == f.user(username).id)
    if kind:
        q = q.where(Notification.kind == kind)
    return db.session.scalars(q.order_by(Notification.id)).all()


def set_prefs(username, **values):
    with transaction():
        user = f.user(username)
        for key, value in values.items():
            setattr(user, key, value)


def test_submitting_tells_the_county_office_in_app_and_by_mail_not_the_applicant(app, mailbox):
    clock.set_now(MONDAY)
    app_id = f.submitted("wuhua_applicant")
    assert [n.kind for n in notes("wuhua_office")] == ["task"]
    assert notes("wuhua_applicant") == [] and notes("kunming_office") == []
    [mail] = mailbox.to("wuhua.office@example.gov.cn")
    assert "社区综合服务信息平台" in mail["Subject"] and mail["Content-Language"] == "zh-CN"
    body = mailbox.text(mail)
    assert f"https://pilot.example.gov.cn/applications/{app_id}" in body
    assert "推荐上报" in body and "刘洋（五华区民政局）" in body and "(UTC+8)" in body
    number = db.session.get(Application, app_id).number  # the application by its human number
    assert number and number in body and number in mail["Subject"]
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "mail"))
    assert mail["Message-ID"] == f"<outbox-{row.id}.pilotflow@example.gov.cn>"
    assert row.status == OutboxStatus.DONE


def test_the_next_office_up_is_told_once_and_the_applicant_hears_the_decision(app, mailbox):
    app_id = f.submitted("wuhua_applicant")
    with transaction():
        escalation.endorse(f.user("wuhua_office"), app_id, {"opinion": "内部意见：预算偏高XYZ", "ranking": 1})
    assert [n.kind for n in notes("kunming_office")] == ["task"]
    assert [n.kind for n in notes("wuhua_applicant")] == ["state_changed"]
    assert len(notes("wuhua_office")) == 1  # its own task only; nothing for its own action
    for mail in mailbox.messages:  # an opinion is read on the page, never in a mail
        assert "XYZ" not in mailbox.text(mail) and "XYZ" not in mailbox.html(mail)


def test_english_readers_get_english_mail(app, mailbox):
    set_prefs("wuhua_office", locale="en")
    f.submitted("wuhua_applicant")
    [mail] = mailbox.to("wuhua.office@example.gov.cn")
    assert mail["Content-Language"] == "en"
    assert "Awaits your action" in mail["Subject"] and "Endorse and forward" in mailbox.text(mail)


def test_one_job_writes_each_readers_mail_in_their_own_language(app, mailbox):
    """The templates' translations are kept per locale, not per job: the joint reviewers told by
    one decision each read the mail's own text in their language, whatever came before."""
    set_prefs("fgw", locale="en")
    set_prefs("czt", locale="zh_CN")
    set_prefs("xxb", locale="en")
    f.in_re_review("wuhua_applicant")
    english, chinese = "Sign in to read the details and act on the item.", "请登录系统查看详情并办理。"
    for name, expected, other in (("fgw", english, chinese), ("czt", chinese, english), ("xxb", english, chinese)):
        [mail] = mailbox.to(f.user(name).email)
        assert expected in mailbox.text(mail) and other not in mailbox.text(mail), name


def test_handlers_follow_waiting_steps_and_policies(app):
    """Joint reviewers while their opinion is due; the Office's reviewers once all are in."""
    app_id = f.in_re_review("wuhua_applicant")
    entity = db.session.get(Application, app_id)
    names = {h.user.username for h in handlers("application", entity)}
    assert names == {"fgw", "czt", "xxb"}
    assert {n.user_id for n in db.session.scalars(sa.select(Notification).where(
        Notification.kind == "task", Notification.entity_id == app_id, Notification.entity_type == "application"))
    } >= {f.user(u).id for u in ("fgw", "czt", "xxb")}


def test_experts_drawn_onto_a_panel_are_told_and_never_see_anothers_scores(app, mailbox):
    _, acc_id = f.in_acceptance("wuhua_applicant")
    members = f.panel(acc_id)
    for expert, _chair in members:
        assert [n.kind for n in notes(expert.username)] == ["task"]
    first = members[0][0]
    scores = f.full_scores()
    for item in scores["scores"].values():
        item["comment"] = "机密评语SECRET"
    with transaction():
        acceptance_svc.submit_scores(first, acc_id, scores)
    for mail in mailbox.messages:
        assert "SECRET" not in mailbox.text(mail) and "SECRET" not in mailbox.html(mail)
    for expert, _chair in members[1:]:
        assert len(notes(expert.username)) == 1  # not told again when a colleague scores


def test_no_mail_preference_keeps_in_app_only(app, mailbox):
    set_prefs("wuhua_office", mail_preference="none")
    f.submitted("wuhua_applicant")
    assert len(notes("wuhua_office")) == 1 and mailbox.messages == []


def test_without_a_mail_server_mail_is_skipped_and_in_app_still_works(app, caplog):
    app.config["MAIL_SERVER"] = ""
    f.submitted("wuhua_applicant")
    assert len(notes("wuhua_office")) == 1
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "mail"))
    assert row.status == OutboxStatus.DONE


def test_smtp_down_the_mail_is_retried_after_its_back_off(app, mailbox):
    clock.set_now(MONDAY)
    mailbox.down()
    f.submitted("wuhua_applicant")
    assert len(notes("wuhua_office")) == 1  # the in-app notification arrived regardless
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "mail"))
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and row.last_error
    assert queue.sweep() == 0  # its back-off has not passed
    mailbox.up()
    clock.advance(timedelta(seconds=11))
    assert queue.sweep() == 1
    [mail] = mailbox.messages
    assert mail["Message-ID"] == f"<outbox-{row.id}.pilotflow@example.gov.cn>"
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == OutboxStatus.DONE


def test_the_daily_digest_once_a_day_and_caught_up_after_a_missed_day(app, mailbox):
    clock.set_now(MONDAY)
    set_prefs("wuhua_office", mail_preference="digest")
    f.submitted("wuhua_applicant")
    assert mailbox.messages == []  # no immediate mail for a digest reader
    periodic.tick(clock.now())  # 09:00: today's digest runs now (from 08:00)
    [digest] = mailbox.to("wuhua.office@example.gov.cn")
    assert "1" in digest["Subject"] and "社区综合服务信息平台" in mailbox.text(digest)
    periodic.tick(clock.now() + timedelta(hours=3))  # the same day: nothing again
    assert len(mailbox.messages) == 1
    clock.set_now(MONDAY + timedelta(hours=5))
    f.submitted("wuhua_applicant", name="第二个申报项目")
    clock.set_now(MONDAY + timedelta(days=2))  # Tuesday's run was missed (downtime)
    periodic.tick(clock.now())
    assert len(mailbox.messages) == 2
    assert "第二个申报项目" in mailbox.text(mailbox.messages[1])
    periodic.tick(clock.now())
    assert len(mailbox.messages) == 2


def test_an_empty_digest_sends_nothing(app, mailbox):
    clock.set_now(MONDAY)
    set_prefs("leader", mail_preference="digest")
    periodic.tick(clock.now())
    assert mailbox.to("leader@example.gov.cn") == []
