"""示范项目 and their 公示: a selected project is a candidate (拟推荐) until the leader confirms the
list after its public notice; objections need a contact and the period; places follow the
actual count; every refusal writes nothing."""
from datetime import datetime, time

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict, Denied, Invalid
from app.extensions import db
from app.models import (
    AuditRecord,
    DemonstrationObjection,
    DemonstrationPublication,
    Notification,
    Project,
    User,
)
from app.services.commands import demonstration as svc
from app.services.commands import perform
from app.services.engine.guards import message
from app.services.notify.deliver import NOTICE
from app.services.reads import dashboard, inbox, supervision
from app.services.reads import projects as reads
from app.services.time.calendar import add_working_days
from tests import factories as f
from tests.services.test_concurrency import race
from workflows.demonstration import DemonstrationListState as L
from workflows.demonstration import ObjectionState as O
from workflows.project import ProjectState as P

OBJECTION = {"contact": "0871-12345678", "text": "该项目尚未正式上线运行。"}


def state(project_id):
    db.session.expire_all()
    return db.session.get(Project, project_id).state


def written():
    """What a refusal must leave unchanged: the audit records, lists and objections."""
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (AuditRecord, DemonstrationPublication, DemonstrationObjection))


def select(*ids):
    for project_id in ids:
        with transaction():
            svc.select_demonstration(f.user("leader"), project_id, {"opinion": "成效显著，拟推荐。"})


def publish(days=None):
    with transaction():
        pub = svc.publish_demonstrations(f.user("leader"), {"opinion": "公示", **({"notice_days": days} if days else {})})
        return pub.id, pub.notice_ends_on


def after(day):
    """A moment on the working day after ``day`` (Beijing), when its notice period is over."""
    clock.set_now(datetime.combine(add_working_days(day, 1), time(10), tzinfo=clock.BEIJING))


def test_only_excellent_or_good_projects_are_shortlisted_and_a_selection_is_a_candidate(app):
    good, _ = f.graded(score="80")
    weak, _ = f.graded("kunming_applicant", score="65")
    assert [p.id for p, _ in svc.shortlist()] == [good]
    with pytest.raises(Conflict), transaction():
        svc.select_demonstration(f.user("leader"), weak, {"opinion": "试试"})
    select(good)
    assert state(good) == P.CANDIDATE  # 拟推荐, not yet a 示范项目
    assert svc.shortlist() == []


def test_deselection_frees_the_place_and_places_follow_the_actual_count(app):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=1)
    first, second = f.graded("wuhua_applicant", "95")[0], f.graded("kunming_applicant", "95")[0]
    select(first)
    before = written()
    with pytest.raises(Conflict) as err, transaction():
        svc.select_demonstration(f.user("leader"), second, {"opinion": "选入"})
    assert message("demonstration_places_left") in str(err.value) and written() == before
    with transaction():
        perform(f.user("leader"), "project", first, "deselect_demonstration", {"opinion": "撤销"})
    assert state(first) == P.EVALUATION and db.session.get(Project, first).demonstration_selected_at is None
    select(second)
    assert state(second) == P.CANDIDATE


def test_the_notice_objection_answer_and_confirmation(app):
    app.config.update(DEMONSTRATION_MIN=2, DEMONSTRATION_MAX=3)
    ids = [f.graded(name, "95")[0] for name in ("wuhua_applicant", "kunming_applicant", "dali_applicant")]
    select(ids[0])
    with pytest.raises(Conflict) as err, transaction():  # one candidate: fewer than the minimum
        svc.publish_demonstrations(f.user("leader"), {"opinion": "公示"})
    assert "2" in str(err.value)
    select(ids[1])
    with pytest.raises(Invalid), transaction():
        svc.publish_demonstrations(f.user("leader"), {"opinion": "公示", "notice_days": 0})
    list_id, ends = publish()
    assert ends == add_working_days(clock.today(), app.config["DEMONSTRATION_NOTICE_DAYS"])
    publication = db.session.get(DemonstrationPublication, list_id)
    assert publication.state == L.NOTICE and sorted(publication.project_ids) == sorted(ids[:2])
    assert all(state(i) == P.CANDIDATE for i in ids[:2])  # not yet 示范项目 while under notice

    before = written()
    with pytest.raises(Conflict) as err, transaction():  # selection waits for the confirmation
        svc.select_demonstration(f.user("leader"), ids[2], {"opinion": "补选"})
    assert message("no_notice_running") in str(err.value)
    with pytest.raises(Conflict), transaction():  # one list under notice at a time
        svc.publish_demonstrations(f.user("leader"), {"opinion": "再发布"})
    for bad in ({**OBJECTION, "contact": ""}, {**OBJECTION, "contact": "   "}, {"text": "无联系方式"},
                {**OBJECTION, "text": ""}, {**OBJECTION, "project_id": ids[2]}):
        with pytest.raises(Invalid), transaction():
            svc.file_objection(bad)
    assert written() == before

    with transaction():
        objection_id = svc.file_objection({**OBJECTION, "project_id": ids[0], "name": "张三"}).id
    with pytest.raises(Conflict) as err, transaction():  # before the period ends
        perform(f.user("leader"), "demonstration_list", list_id, "confirm_list", {"opinion": "确认"})
    assert message("notice_period_over") in str(err.value)

    after(ends)
    before = written()
    with pytest.raises(Conflict) as err, transaction():  # after the period: no more objections
        svc.file_objection(OBJECTION)
    assert "no longer" in str(err.value) or "不再" in str(err.value)
    with pytest.raises(Conflict) as err, transaction():  # an objection is still unanswered
        perform(f.user("leader"), "demonstration_list", list_id, "confirm_list", {"opinion": "确认"})
    assert message("objections_answered") in str(err.value)
    assert written() == before and all(state(i) == P.CANDIDATE for i in ids[:2])

    with pytest.raises(Denied), transaction():  # the leader does not answer for the Office
        perform(f.user("leader"), "demonstration_objection", objection_id, "answer_objection", {"opinion": "已核实"})
    with transaction():
        perform(f.user("office"), "demonstration_objection", objection_id, "answer_objection",
                {"opinion": "经核实，该项目已于上月上线运行。"})
    objection = db.session.get(DemonstrationObjection, objection_id)
    assert objection.state == O.ANSWERED and objection.answer.startswith("经核实") and objection.answered_at
    with transaction():
        perform(f.user("leader"), "demonstration_list", list_id, "confirm_list", {"opinion": "确认最终名单"})
    db.session.expire_all()
    assert db.session.get(DemonstrationPublication, list_id).state == L.CONFIRMED
    assert [state(i) for i in ids] == [P.DEMONSTRATION, P.DEMONSTRATION, P.EVALUATION]
    moves = db.session.scalars(sa.select(AuditRecord.trigger).where(
        AuditRecord.entity_type == "project", AuditRecord.trigger == "confirm_demonstration")).all()
    assert len(moves) == 2  # each project's own state change, on the one path


def test_a_candidate_withdrawn_during_the_notice_is_not_confirmed(app):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    ids = [f.graded(name, "95")[0] for name in ("wuhua_applicant", "kunming_applicant")]
    select(*ids)
    list_id, ends = publish(days=2)
    with transaction():
        perform(f.user("leader"), "project", ids[1], "deselect_demonstration", {"opinion": "撤销拟推荐"})
    assert [r.project_id for r in reads.public_list()[1]] == [ids[0]]
    after(ends)
    with transaction():
        perform(f.user("leader"), "demonstration_list", list_id, "confirm_list", {"opinion": "确认"})
    assert [state(i) for i in ids] == [P.DEMONSTRATION, P.EVALUATION]
    assert db.session.get(DemonstrationPublication, list_id).project_ids == [ids[0]]


def test_closing_a_demonstration_project_frees_its_place(app):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=1)
    first, second = f.graded("wuhua_applicant", "95")[0], f.graded("kunming_applicant", "95")[0]
    select(first)
    list_id, ends = publish()
    after(ends)
    with transaction():
        perform(f.user("leader"), "demonstration_list", list_id, "confirm_list", {"opinion": "确认"})
    with pytest.raises(Conflict) as err, transaction():
        svc.select_demonstration(f.user("leader"), second, {"opinion": "补选"})
    assert message("demonstration_places_left") in str(err.value)
    with transaction():
        perform(f.user("office"), "project", first, "close", {"opinion": "示范期满，结项。"})
    select(second)
    assert state(second) == P.CANDIDATE


def test_concurrent_selections_never_overshoot_the_places(app):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=2)
    ids = [f.graded(name, "95")[0] for name in ("wuhua_applicant", "kunming_applicant", "dali_applicant",
                                                 "qujing_applicant")]
    leader_id = f.user("leader").id

    def selecting(project_id):
        return lambda: svc.select_demonstration(db.session.get(User, leader_id), project_id, {"opinion": "选入"})

    results = race(app, [selecting(i) for i in ids])
    assert results.count("ok") == 2, results
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)
                             .where(Project.state == P.CANDIDATE)) == 2


def test_confirmation_waits_in_the_leaders_inbox_after_the_period_and_answers_in_the_offices(app):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    select(f.graded("wuhua_applicant", "95")[0])
    list_id, ends = publish()
    with transaction():
        objection_id = svc.file_objection(OBJECTION).id

    def waiting(username, kind):
        return [t.entity.id for g in inbox.inbox(f.user(username)) for t in g.tasks if t.kind == kind]

    assert waiting("office", "demonstration_objection") == [objection_id]
    task = next(t for g in inbox.inbox(f.user("office")) for t in g.tasks if t.kind == "demonstration_objection")
    assert task.deadline is not None  # days= on the step: a time limit
    assert waiting("leader", "demonstration_list") == []  # not before the period ends
    with transaction():
        perform(f.user("office"), "demonstration_objection", objection_id, "answer_objection", {"opinion": "已答复"})
    after(ends)
    assert waiting("leader", "demonstration_list") == [list_id]
    assert waiting("office", "demonstration_objection") == []


def test_the_supervision_board_and_the_dashboard_count_a_list_under_notice_and_its_objection(app):
    """The list and its objections belong to no project and no batch: the 电子监察 board counts
    their waiting stages at the province, and the dashboard's batch filter leaves them out."""
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    project_id, _ = f.graded("wuhua_applicant", "95")
    select(project_id)
    list_id, ends = publish(days=2)
    with transaction():
        objection_id = svc.file_objection(OBJECTION).id
    after(ends)
    board = supervision.board(f.user("office"))
    assert {(fact.kind, fact.entity.id) for fact in supervision.facts(f.user("office"))} >= {
        ("demonstration_objection", objection_id)}
    assert board.total.current >= 1
    batch_id = db.session.get(Project, project_id).batch_id
    assert dashboard.average_days_in_stage(f.user("leader"), batch_id=batch_id) is not None
    assert dashboard.programme_overview(f.user("leader"), batch_id=batch_id).total_applications >= 1


def test_each_listed_agency_hears_of_the_public_notice_in_app_and_by_mail(app, mailbox):
    """Publishing the list tells the staff of each listed project's agency, in the app and by
    mail, until when objections may be filed; nobody else is told."""
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    listed, other = (f.graded(name, "95")[0] for name in ("wuhua_applicant", "kunming_applicant"))
    select(listed)
    _list_id, ends = publish()
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == NOTICE)).all()
    assert [(n.user_id, n.entity_type, n.entity_id) for n in told] == [(f.user("wuhua_applicant").id, "project", listed)]
    assert told[0].params["notice_ends_on"] == ends.isoformat() and other != listed
    [mail] = [m for m in mailbox.to("wuhua.applicant@example.gov.cn") if "公示" in mailbox.text(m)]
    body = mailbox.text(mail)
    assert "项目已列入示范项目名单公示" in body and f"异议受理截止日期：{ends.isoformat()}" in body
    assert not [m for m in mailbox.to("kunming.applicant@example.gov.cn") if "公示" in mailbox.text(m)]
