"""Filing: an agency creates and edits its drafts, submits, withdraws, and resubmits after a
return; everything else is refused with nothing written."""
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.models import (
    Application,
    AuditRecord,
    Endorsement,
    Notification,
    OutboxMessage,
    PlanItem,
)
from app.services.commands import admin, applications, perform
from app.services.engine.guards import message
from tests import factories as f
from tests.web.web_client import User
from workflows.application import ApplicationState as S

ALL_ROWS = (Application, Endorsement, AuditRecord, OutboxMessage, Notification)


def footprint(app_id: int | None = None):
    """Everything a refused command must leave as it was: how many applications, endorsements,
    history records, outbox rows and notifications exist, and every column of the application."""
    db.session.expire_all()
    counts = {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in ALL_ROWS}
    row = None
    if app_id is not None:
        row = db.session.execute(sa.select(Application.__table__).where(Application.id == app_id)).one()._asdict()
    return counts, row


@contextmanager
def refused(error: type[Exception], app_id: int | None = None):
    """The block raises ``error`` and writes nothing at all (yields pytest's ExceptionInfo)."""
    before = footprint(app_id)
    with pytest.raises(error) as err, transaction():
        yield err
    assert footprint(app_id) == before


def history(app_id: int) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(
        sa.select(AuditRecord.trigger, AuditRecord.from_state, AuditRecord.to_state, AuditRecord.actor_role)
        .where(AuditRecord.entity_type == "application", AuditRecord.entity_id == app_id)
        .order_by(AuditRecord.id))]


def state_of(app_id: int) -> S:
    db.session.expire_all()
    return db.session.get(Application, app_id).state


def returned_by_endorser() -> int:
    app_id = f.submitted()
    with transaction():
        perform(f.user("wuhua_office"), "application", app_id, "return_to_applicant", {"opinion": "请补充材料"})
    return app_id


def another_batch() -> int:
    year = clock.today().year
    with transaction():
        return admin.create_batch(f.user("admin"), {
            "name": f"{year}年度第二批试点", "year": year, "opens_on": date(year, 1, 1),
            "closes_on": date(year, 12, 31), "quota": 5}).id


def version_of(app_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Application, app_id).version


# --- create ----------------------------------------------------------------------------------
def test_an_applicant_files_a_draft_for_their_own_agency_and_the_filing_is_recorded(app):
    applicant = f.user("wuhua_applicant")
    with transaction():
        app_id = applications.create_application(applicant, f.draft_data(name="社区养老服务平台")).id
    filed = db.session.get(Application, app_id)
    assert (filed.name, filed.state, filed.version) == ("社区养老服务平台", S.DRAFT, 1)
    assert (filed.organisation_id, filed.created_by_id) == (applicant.organisation_id, applicant.id)
    assert (filed.division_code, filed.prefecture_code) == ("530102", "530100")
    assert filed.submitted_at is None and filed.endorsements == []
    assert history(app_id) == [("create", None, "draft", "applicant")]


@pytest.mark.parametrize("username", ["office", "wuhua_office", "leader", "expert1"])
def test_only_applicant_agencies_file_applications_and_a_refusal_writes_nothing(app, username):
    with refused(Denied):
        applications.create_application(f.user(username), f.draft_data())


@pytest.mark.parametrize("field", ["batch_id", "plan_item_id"])
def test_a_draft_naming_a_batch_or_plan_item_that_does_not_exist_is_refused_and_nothing_written(app, field):
    with refused(Invalid) as err:
        applications.create_application(f.user("wuhua_applicant"), f.draft_data(**{field: 987654}))
    assert list(err.value.errors) == [field]


def test_a_retired_plan_item_can_no_longer_be_chosen(app):
    item = db.session.scalar(sa.select(PlanItem).order_by(PlanItem.id).limit(1))
    with transaction():
        admin.update_plan_item(f.user("admin"), item.id, {"code": item.code, "name": item.name,
                                                         "category": item.category.value,
                                                         "domain": item.domain.value, "active": False})
    with refused(Invalid) as err:
        applications.create_application(f.user("wuhua_applicant"), f.draft_data(plan_item_id=item.id))
    assert list(err.value.errors) == ["plan_item_id"]


# --- update ----------------------------------------------------------------------------------
def test_the_applicant_edits_a_draft_at_the_version_they_saw_and_the_edit_is_recorded(app):
    app_id = f.draft()
    with transaction():
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(name="改名后的平台"), 1)
    edited = db.session.get(Application, app_id)
    assert (edited.name, edited.version, edited.state) == ("改名后的平台", 2, S.DRAFT)
    assert history(app_id)[-1] == ("edit", "draft", "draft", "applicant")


def test_an_edit_at_a_version_someone_else_has_moved_on_is_a_conflict_and_changes_nothing(app):
    app_id = f.draft()
    with transaction():
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(name="第一次修改"), 1)
    with refused(Conflict, app_id):
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(name="基于旧版本的修改"), 1)


def test_another_agency_cannot_see_a_draft_let_alone_edit_it(app):
    app_id = f.draft()
    with refused(NotFound, app_id):
        applications.update_application(f.user("kunming_applicant"), app_id, f.draft_data(name="别人的申报"), 1)


def test_the_office_sees_a_draft_but_may_not_edit_it(app):
    app_id = f.draft()
    with refused(Denied, app_id):
        applications.update_application(f.user("office"), app_id, f.draft_data(name="代为修改"), 1)


@pytest.mark.parametrize("walk", [f.submitted, f.endorsed, f.in_re_review],
                         ids=["endorsing", "initial_review", "re_review"])
def test_a_submitted_application_cannot_be_edited_and_nothing_is_written(app, walk):
    app_id = walk()
    with refused(Conflict, app_id):
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(name="提交后偷偷修改"),
                                         version_of(app_id))


def test_a_returned_application_can_be_edited_and_stays_returned(app):
    app_id = returned_by_endorser()
    with transaction():
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(name="按意见修改后的平台"),
                                         version_of(app_id))
    edited = db.session.get(Application, app_id)
    assert (edited.name, edited.state) == ("按意见修改后的平台", S.RETURNED_BY_ENDORSER)


def test_an_application_returned_at_re_review_stays_in_the_plan_when_edited(app, client):
    """Past 初审 an application is in the annual plan (or a leader overrode it): an edit that
    drops its plan item is a field error, not the database's refusal (a 500 on the edit page)."""
    app_id = f.returned_by_re_review()
    off_plan = f.draft_data(plan_item_id=None, off_plan_justification="不在年度计划内，但确有必要。")
    with refused(Invalid, app_id) as err:
        applications.update_application(f.user("wuhua_applicant"), app_id, off_plan, version_of(app_id))
    assert list(err.value.errors) == ["plan_item_id"]
    page = User(app, "wuhua_applicant").post(f"/applications/{app_id}/edit", {
        **{k: "" if v is None else v for k, v in off_plan.items()}, "version": version_of(app_id)})
    assert page.status_code == 422 and "annual plan" not in page.text and "年度计划" in page.text
    with transaction():
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(name="按复审意见修改"),
                                         version_of(app_id))
    edited = db.session.get(Application, app_id)
    assert (edited.name, edited.state) == ("按复审意见修改", S.RETURNED_BY_RE_REVIEW)


def test_a_draft_may_move_to_another_batch(app):
    app_id, batch_id = f.draft(), another_batch()
    with transaction():
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(batch_id=batch_id), 1)
    assert db.session.get(Application, app_id).batch_id == batch_id


def test_a_returned_application_stays_in_the_batch_it_was_submitted_to(app):
    app_id, batch_id = returned_by_endorser(), another_batch()
    with refused(Invalid, app_id) as err:
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(batch_id=batch_id),
                                         version_of(app_id))
    assert list(err.value.errors) == ["batch_id"]


# --- may_edit ----------------------------------------------------------------------------------
def test_may_edit_is_true_only_for_the_own_agencys_drafts_and_returned_applications(app):
    draft, submitted, returned = f.draft(), f.submitted(), returned_by_endorser()
    seen = {(username, app_id): applications.may_edit(f.user(username), db.session.get(Application, app_id))
            for username in ("wuhua_applicant", "kunming_applicant", "office", "leader")
            for app_id in (draft, submitted, returned)}
    assert {key for key, allowed in seen.items() if allowed} == {("wuhua_applicant", draft),
                                                                 ("wuhua_applicant", returned)}


def test_may_edit_agrees_with_what_editing_actually_allows(app):
    """The edit button (may_edit) and the command (update_application) follow one rule."""
    items = {"draft": f.draft(), "submitted": f.submitted(), "returned": returned_by_endorser()}
    for username in ("wuhua_applicant", "office", "wuhua_office"):
        actor = f.user(username)
        for label, app_id in items.items():
            db.session.expire_all()
            shown = applications.may_edit(actor, db.session.get(Application, app_id))
            try:
                with transaction():
                    applications.update_application(actor, app_id, f.draft_data(name="一致性检查"), version_of(app_id))
                allowed = True
            except (Denied, Conflict, NotFound):
                allowed = False
            assert shown == allowed, (username, label)


# --- submit ------------------------------------------------------------------------------------
def test_submitting_sends_a_county_draft_up_its_route_and_stamps_the_time(app):
    app_id = f.draft()
    with transaction():
        applications.submit_application(f.user("wuhua_applicant"), app_id, expected_version=1)
    sent = db.session.get(Application, app_id)
    assert sent.state == S.ENDORSING and sent.submitted_at is not None
    assert [e.office.code for e in sent.endorsements] == ["IT530102", "IT530100"]
    assert history(app_id)[-1] == ("submit", "draft", "endorsing", "applicant")


def test_a_draft_cannot_be_submitted_into_a_closed_batch_and_stays_an_untouched_draft(app):
    app_id = f.draft()
    batch = f.demo_batch()
    last_year = clock.today().year - 1
    with transaction():
        admin.update_batch(f.user("admin"), batch.id, {"name": batch.name, "year": batch.year, "quota": batch.quota,
                                                       "opens_on": date(last_year, 1, 1),
                                                       "closes_on": date(last_year, 12, 31)})
    with refused(Conflict, app_id) as err:  # no endorsement route was left behind either
        applications.submit_application(f.user("wuhua_applicant"), app_id)
    assert message("batch_open") in str(err.value)


@pytest.mark.parametrize("username,error", [("office", Denied), ("kunming_applicant", NotFound)])
def test_only_the_owning_agency_submits_its_draft(app, username, error):
    app_id = f.draft()
    with refused(error, app_id):
        applications.submit_application(f.user(username), app_id)


def test_submitting_at_a_stale_version_is_a_conflict(app):
    app_id = f.draft()
    with transaction():
        applications.update_application(f.user("wuhua_applicant"), app_id, f.draft_data(name="修改过的名称"), 1)
    with refused(Conflict, app_id):
        applications.submit_application(f.user("wuhua_applicant"), app_id, expected_version=1)


def test_a_submitted_application_cannot_be_submitted_again(app):
    app_id = f.submitted()
    with refused(Conflict, app_id):
        applications.submit_application(f.user("wuhua_applicant"), app_id)


# --- withdraw ----------------------------------------------------------------------------------
@pytest.mark.parametrize("walk", [f.draft, f.submitted, f.endorsed, returned_by_endorser],
                         ids=["draft", "endorsing", "initial_review", "returned"])
def test_the_agency_may_withdraw_its_application_until_initial_review_is_passed(app, walk):
    app_id = walk()
    from_state = state_of(app_id).value
    with transaction():
        perform(f.user("wuhua_applicant"), "application", app_id, "withdraw", {"opinion": "本年度不再申报"})
    assert state_of(app_id) == S.WITHDRAWN
    record = db.session.scalars(sa.select(AuditRecord).where(AuditRecord.entity_type == "application",
                                                             AuditRecord.entity_id == app_id)
                                .order_by(AuditRecord.id.desc())).first()
    assert (record.trigger, record.from_state, record.opinion) == ("withdraw", from_state, "本年度不再申报")


def test_an_application_past_initial_review_can_no_longer_be_withdrawn(app):
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    with refused(Conflict, app_id):
        perform(f.user("wuhua_applicant"), "application", app_id, "withdraw", {"opinion": "想撤回"})


def test_withdrawing_needs_a_written_reason(app):
    app_id = f.submitted()
    with refused(Invalid, app_id) as err:
        perform(f.user("wuhua_applicant"), "application", app_id, "withdraw", {"opinion": "  "})
    assert "opinion" in err.value.errors


def test_nobody_but_the_agency_withdraws_its_application(app):
    app_id = f.submitted()
    with refused(Denied, app_id):
        perform(f.user("wuhua_office"), "application", app_id, "withdraw", {"opinion": "替他撤回"})


# --- resubmit ----------------------------------------------------------------------------------
def test_a_revised_application_returned_by_initial_review_goes_back_to_initial_review(app):
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "return_for_revision", {"opinion": "预算需细化"})
    with transaction():
        applications.update_application(f.user("wuhua_applicant"), app_id,
                                         f.draft_data(requested_budget="98.00"), version_of(app_id))
    with transaction():
        applications.resubmit_application(f.user("wuhua_applicant"), app_id, {"opinion": "已细化预算"})
    again = db.session.get(Application, app_id)
    assert (again.state, str(again.requested_budget)) == (S.INITIAL_REVIEW, "98.00")
    assert history(app_id)[-1] == ("resubmit", "returned_by_reviewer", "initial_review", "applicant")


def test_resubmitting_needs_a_note_of_what_was_changed(app):
    app_id = returned_by_endorser()
    with refused(Invalid, app_id) as err:
        applications.resubmit_application(f.user("wuhua_applicant"), app_id, {"opinion": ""})
    assert "opinion" in err.value.errors


@pytest.mark.parametrize("walk", [f.draft, f.submitted], ids=["draft", "endorsing"])
def test_only_a_returned_application_can_be_resubmitted(app, walk):
    app_id = walk()
    with refused(Conflict, app_id):
        applications.resubmit_application(f.user("wuhua_applicant"), app_id, {"opinion": "再交一次"})
