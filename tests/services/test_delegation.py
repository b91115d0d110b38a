"""Delegation (代理): a leader's proxy enters the leader's approval steps — any step taken in the
role "leader", in every flow — on the leader's behalf, during the period only and nothing else;
the record names both, the chain covers it, the leader is notified and sees it listed; refusals
write nothing."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.i18n import force_locale
from app.labels import record_actor
from app.models import Application, AuditRecord, Delegation, Notification, Project
from app.services.commands import actions_for, delegations, perform
from app.services.documents import issuing
from app.services.engine import proxy
from app.services.engine.fire import fire
from app.services.reads import inbox
from app.services.records import audit
from tests import factories as f
from workflows.application import ApplicationState as A


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _designate(start: date | None = None, days: int = 5, proxy_name: str = "office") -> int:
    start = start or clock.today()
    with transaction():
        return delegations.designate(f.user("leader"), {"proxy": proxy_name, "starts_on": start.isoformat(),
                                                        "ends_on": (start + timedelta(days=days)).isoformat()}).id


def _in_leader_approval() -> int:
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    return app_id


def test_the_proxy_enters_the_leaders_approval_recorded_with_both_names(app):
    delegation_id = _designate()
    app_id = _in_leader_approval()
    with transaction():
        perform(f.user("office"), "application", app_id, "leader_approve", {"opinion": "同意（电话批示）"})
    assert db.session.get(Application, app_id).state == A.RE_REVIEW
    rec = audit.history("application", app_id)[-1]
    assert (rec.trigger, rec.actor_id, rec.entered_by_id, rec.actor_role) == (
        "leader_approve", f.user("leader").id, f.user("office").id, "leader")
    assert audit.fields_of(rec)["entered_by"] == f.user("office").id  # the digest covers it
    assert audit.verify_chain().ok
    # the records before it carry no entered_by field: their digests are what they always were
    assert all("entered_by" not in audit.fields_of(r) for r in audit.history("application", app_id)[:-1])
    with force_locale("zh_CN"):
        assert record_actor(rec) == "王华（省信息办主任） 批示，李明（省信息办） 代录"
    with force_locale("en"):
        assert record_actor(rec) == "王华（省信息办主任） (entered by 李明（省信息办）)"
    # the leader is notified, and finds it on the list of what was entered on their behalf
    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == f.user("leader").id,
                                                              Notification.kind == "entered_on_behalf")).all()
    assert note.entity_id == app_id
    assert [r.id for r in delegations.entered_on_behalf(f.user("leader")).items] == [rec.id]
    # designating was audited too
    assert [r.trigger for r in audit.history("delegation", delegation_id)] == ["designate"]


def test_the_proxy_finds_the_leaders_steps_in_the_inbox_and_on_the_page_marked(app):
    app_id = _in_leader_approval()
    office, leader = f.user("office"), f.user("leader")
    assert not [t for g in inbox.inbox(office) for t in g.tasks if t.entity.id == app_id and t.kind == "application"]
    _designate()
    [task] = [t for g in inbox.inbox(office) for t in g.tasks if t.kind == "application" and t.entity.id == app_id]
    assert task.on_behalf.id == leader.id and {s.role for s in task.steps} == {"leader"}
    _entity, actions = actions_for(office, "application", app_id)
    marked = {a.trigger for a in actions if a.on_behalf is not None}
    assert "leader_approve" in marked and all(a.role == "leader" for a in actions if a.on_behalf is not None)


def test_outside_the_period_the_proxy_is_refused_with_the_dates_and_nothing_is_written(app):
    tomorrow = clock.today() + timedelta(days=1)
    _designate(start=tomorrow, days=2)
    app_id = _in_leader_approval()
    records = _count(AuditRecord)
    with pytest.raises(Denied) as refused, transaction():
        perform(f.user("office"), "application", app_id, "leader_approve", {"opinion": "同意"})
    assert tomorrow.isoformat() in str(refused.value)
    # after the period, too
    clock.set_now(clock.now() + timedelta(days=10))
    with pytest.raises(Denied), transaction():
        perform(f.user("office"), "application", app_id, "leader_approve", {"opinion": "同意"})
    db.session.expire_all()
    assert db.session.get(Application, app_id).state == A.LEADER_APPROVAL and _count(AuditRecord) == records


def test_the_proxy_may_not_take_any_step_that_is_not_a_leaders(app):
    _designate()
    app_id = f.submitted()
    records = _count(AuditRecord)
    with pytest.raises(Denied), transaction():  # an endorser's step: judged on the proxy's own rights
        perform(f.user("office"), "application", app_id, "endorse", {"opinion": "同意", "ranking": 1})
    entity = db.session.get(Application, app_id)
    with pytest.raises(Denied), transaction(), proxy.entering(f.user("office")):  # fire() itself refuses
        fire(entity, "endorse", f.user("wuhua_office"), opinion="同意")
    db.session.expire_all()
    assert db.session.get(Application, app_id).state == A.ENDORSING and _count(AuditRecord) == records


def test_a_revoked_delegation_ends_at_once_and_only_its_leader_or_an_admin_revokes(app):
    delegation_id = _designate()
    app_id = _in_leader_approval()
    with pytest.raises(Denied), transaction():
        delegations.revoke(f.user("office"), delegation_id)  # the proxy sees it but may not revoke it
    with pytest.raises(NotFound), transaction():
        delegations.revoke(f.user("wuhua_applicant"), delegation_id)
    with transaction():
        delegations.revoke(f.user("leader"), delegation_id)
    with pytest.raises(Conflict), transaction():
        delegations.revoke(f.user("admin"), delegation_id)
    assert [r.trigger for r in audit.history("delegation", delegation_id)] == ["designate", "revoke"]
    with pytest.raises(Denied), transaction():
        perform(f.user("office"), "application", app_id, "leader_approve", {"opinion": "同意"})
    other = _designate()
    with transaction():
        delegations.revoke(f.user("admin"), other)
    assert delegations.status_of(db.session.get(Delegation, other)) == "revoked"


@pytest.mark.parametrize("data, field", [
    ({"proxy": "office", "starts_on": "2000-01-01", "ends_on": "2000-01-02"}, "starts_on"),
    ({"proxy": "office", "starts_on": "+2", "ends_on": "+1"}, "ends_on"),
    ({"proxy": "fgw", "starts_on": "+0", "ends_on": "+1"}, "proxy"),
    ({"proxy": "leader", "starts_on": "+0", "ends_on": "+1"}, "proxy"),
    ({"proxy": "nobody", "starts_on": "+0", "ends_on": "+1"}, "proxy"),
    ({"starts_on": "+0", "ends_on": "+1"}, "proxy"),
    ({"proxy": "office", "starts_on": "+367", "ends_on": "+368"}, "starts_on"),  # starts within a year
    ({"proxy": "office", "starts_on": "+0", "ends_on": "+366"}, "ends_on"),  # lasts at most a year (366 days)
    ({"proxy": "office", "starts_on": "+0", "ends_on": "9999-12-31"}, "ends_on"),
])
def test_a_bad_designation_is_refused_and_writes_nothing(app, data, field):
    data = {k: (clock.today() + timedelta(days=int(v[1:]))).isoformat() if v.startswith("+") else v
            for k, v in data.items()}
    before = (_count(Delegation), _count(AuditRecord))
    with pytest.raises(Invalid) as refused, transaction():
        delegations.designate(f.user("leader"), data)
    assert field in refused.value.errors
    assert (_count(Delegation), _count(AuditRecord)) == before


def test_a_delegation_may_start_a_year_ahead_and_last_a_whole_year(app):
    """The bounds are inclusive: a period starting 366 days ahead, of 366 days, is accepted."""
    start = clock.today() + timedelta(days=366)
    with transaction():
        made = delegations.designate(f.user("leader"), {"proxy": "office", "starts_on": start.isoformat(),
                                                        "ends_on": (start + timedelta(days=365)).isoformat()})
    assert (made.ends_on - made.starts_on).days + 1 == 366


def test_only_a_leader_designates_and_a_proxy_serves_one_leader_at_a_time(app):
    today = clock.today().isoformat()
    with pytest.raises(Denied), transaction():
        delegations.designate(f.user("office"), {"proxy": "office", "starts_on": today, "ends_on": today})
    _designate(days=3)
    before = (_count(Delegation), _count(AuditRecord))
    with pytest.raises(Conflict), transaction():
        _designate(start=clock.today() + timedelta(days=2))
    assert (_count(Delegation), _count(AuditRecord)) == before


def test_the_approval_document_names_the_leader_and_the_proxy(app):
    _designate()
    app_id = f.awaiting_approval()
    with transaction():
        project = perform(f.user("office"), "application", app_id, "approve_project",
                          {"opinion": "批准立项", "approved_budget": "100", "construction_months": 12})
    project = db.session.get(Project, project.id)
    context = issuing.CONTEXTS["project_approval"](project, None)
    assert context["approver"] == "王华（省信息办主任） 批示，李明（省信息办） 代录"
    rec = audit.history("application", app_id)[-1]
    assert rec.trigger == "approve_project" and rec.entered_by_id == f.user("office").id
