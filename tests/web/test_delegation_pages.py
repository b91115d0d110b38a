"""The delegation page (代理) and the admin's workflow-versions page: designate, the proxy's
marked buttons and inbox, the history with both names, revoke; refusals write nothing."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import Application, AuditRecord, Delegation, Project
from app.services.commands import delegations, perform
from tests import factories as f
from tests.web.web_client import User
from workflows.application import ApplicationState as A


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _in_leader_approval() -> int:
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    return app_id


def test_a_leader_designates_the_proxy_enters_the_approval_and_the_history_names_both(app):
    app_id = _in_leader_approval()
    leader, proxy = User(app, "leader", lang="zh_CN"), User(app, "office", lang="zh_CN")
    page = leader.get("/delegations/")
    assert page.status_code == 200 and "指定代理人" in page.text and 'value="office"' in page.text
    today = clock.today()
    # the browser offers only the dates the period may take: from today to a year ahead
    assert (f'id="f-starts_on" name="starts_on" required aria-required="true" type="date" value="" '
            f'min="{today}" max="{today + timedelta(days=366)}"') in page.text
    done = leader.post("/delegations/", {"proxy": "office", "starts_on": today.isoformat(),
                                         "ends_on": (today + timedelta(days=3)).isoformat()})
    assert done.status_code == 302
    assert "生效中" in leader.get("/delegations/").text

    assert "代王华（省信息办主任）录入" in proxy.get("/inbox").text
    detail = proxy.get(f"/applications/{app_id}")
    assert "审批同意（代王华（省信息办主任）录入）" in detail.text
    form = proxy.get(f"/act/application/{app_id}/leader_approve")
    assert form.status_code == 200 and "代录" in form.text
    version = db.session.get(Application, app_id).version
    assert proxy.act("application", app_id, "leader_approve", {"opinion": "同意"}, version).status_code == 302
    assert db.session.get(Application, app_id).state == A.RE_REVIEW
    history = leader.get(f"/applications/{app_id}").text
    assert "王华（省信息办主任） 批示，李明（省信息办） 代录" in history
    english = User(app, "leader", lang="en").get(f"/applications/{app_id}").text
    assert "王华（省信息办主任） (entered by 李明（省信息办）)" in english
    listed = leader.get("/delegations/").text
    assert "代我录入的审批" in listed and "审批同意" in listed
    assert "您的代理人已代您录入（代录）" in leader.get("/notifications").text


def test_refusals_on_the_pages_write_nothing(app):
    leader, proxy = User(app, "leader"), User(app, "office")
    before = (_count(Delegation), _count(AuditRecord))
    bad = leader.post("/delegations/", {"proxy": "office", "starts_on": "2000-01-01", "ends_on": "2000-01-02"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert leader.post("/delegations/", {"proxy": "office", "starts_on": "x", "ends_on": ""}).status_code == 422
    assert proxy.post("/delegations/", {"proxy": "office", "starts_on": clock.today().isoformat(),
                                        "ends_on": clock.today().isoformat()}).status_code == 403
    assert User(app, "wuhua_applicant").get("/delegations/").status_code == 403
    assert (_count(Delegation), _count(AuditRecord)) == before
    # a proxy outside the period: 403 with the dates, nothing written
    start = clock.today() + timedelta(days=2)
    with transaction():
        d = delegations.designate(f.user("leader"), {"proxy": "office", "starts_on": start.isoformat(),
                                                     "ends_on": start.isoformat()})
    app_id = _in_leader_approval()
    records = _count(AuditRecord)
    refused = proxy.act("application", app_id, "leader_approve", {"opinion": "同意"})
    assert refused.status_code == 403 and start.isoformat() in refused.text
    assert proxy.post(f"/delegations/{d.id}/revoke").status_code == 403
    assert User(app, "wuhua_applicant").post(f"/delegations/{d.id}/revoke").status_code == 404
    assert _count(AuditRecord) == records
    assert leader.post(f"/delegations/{d.id}/revoke").status_code == 302
    assert _count(AuditRecord) == records + 1


def test_the_admin_sees_the_versions_and_a_refused_migration_writes_nothing(app):
    app_id = f.submitted()
    admin = User(app, "admin")
    page = admin.get("/admin/workflow-versions/")
    assert page.status_code == 200 and 'data-flow-version="application:1"' in page.text
    assert User(app, "office").get("/admin/workflow-versions/").status_code == 403
    records = _count(AuditRecord)
    already = admin.post("/admin/workflow-versions/migrate", {"kind": "application", "id": str(app_id)})
    assert already.status_code == 409  # it follows the current (only) version already
    assert admin.post("/admin/workflow-versions/migrate", {"kind": "nothing", "id": "x"}).status_code == 422
    assert User(app, "office").post("/admin/workflow-versions/migrate",
                                    {"kind": "application", "id": str(app_id)}).status_code == 403
    assert _count(AuditRecord) == records


def test_a_proxy_finds_the_leaders_steps_among_a_lists_buttons_too(app):
    """The demonstration shortlist's buttons (``actions_on``) offer the proxy the leader's
    selection, marked 代录, as the project's own page does; taking it records both names."""
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    project_id, _ = f.graded("wuhua_applicant", score="95")
    proxy = User(app, "office", lang="zh_CN")
    select = f'action="/act/project/{project_id}/select_demonstration"'
    assert select not in proxy.get("/demonstration/").text  # the leader's call
    today = clock.today()
    with transaction():
        delegations.designate(f.user("leader"), {"proxy": "office", "starts_on": today.isoformat(),
                                                 "ends_on": (today + timedelta(days=3)).isoformat()})
    page = proxy.get("/demonstration/").text
    assert select in page and "拟推荐为示范项目（代王华（省信息办主任）录入）" in page
    version = db.session.get(Project, project_id).version
    assert proxy.act("project", project_id, "select_demonstration", {"opinion": "拟推荐"}, version).status_code == 302
    rec = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.trigger == "select_demonstration"))
    assert (rec.actor_id, rec.entered_by_id) == (f.user("leader").id, f.user("office").id)
