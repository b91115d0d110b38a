"""Delegation (代理) and workflow versions through the API: the same services and schemas as the
pages; the proxy acts through the ordinary action operation; refusals write nothing."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import Application, AuditRecord, Delegation
from app.services.commands import perform
from tests import factories as f
from workflows.application import ApplicationState as A


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_designate_act_as_proxy_list_and_revoke(app, api):
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    today = clock.today()
    made = api.post("delegations", as_="leader", json={"proxy": "office", "starts_on": today.isoformat(),
                                                        "ends_on": (today + timedelta(days=2)).isoformat()})
    assert made.status_code == 201 and made.json["status"] == "in_force" and made.json["proxy_name"]
    actions = api.get(f"applications/{app_id}/actions", as_="office").json["actions"]
    assert {a["trigger"]: a["on_behalf_of"] for a in actions}["leader_approve"] == "王华（省信息办主任）"
    version = db.session.get(Application, app_id).version
    done = api.post(f"applications/{app_id}/actions/leader_approve", as_="office",
                    json={"opinion": "同意", "version": version})
    assert done.status_code == 200 and done.json["state"] == A.RE_REVIEW.value
    last = api.get(f"applications/{app_id}/timeline", as_="leader").json[-1]
    assert last["actor_name"] == "王华（省信息办主任）" and last["entered_by_name"] == "李明（省信息办）"
    entered = api.get("delegations/entered", as_="leader").json
    assert entered["total"] == 1 and entered["items"][0]["trigger"] == "leader_approve"
    assert [d["id"] for d in api.get("delegations", as_="office").json] == [made.json["id"]]
    assert api.post(f"delegations/{made.json['id']}/revoke", as_="office").status_code == 403
    assert api.post(f"delegations/{made.json['id']}/revoke", as_="wuhua_applicant").status_code == 404
    revoked = api.post(f"delegations/{made.json['id']}/revoke", as_="leader")
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    assert api.post(f"delegations/{made.json['id']}/revoke", as_="admin").status_code == 409


def test_bad_designations_and_migrations_are_refused_and_write_nothing(app, api):
    before = (_count(Delegation), _count(AuditRecord))
    today = clock.today().isoformat()
    for body in ({"proxy": "office", "starts_on": "2000-01-01", "ends_on": "2000-01-01"},
                 {"proxy": "fgw", "starts_on": today, "ends_on": today},
                 {"proxy": "office", "starts_on": today}):
        refused = api.post("delegations", as_="leader", json=body)
        assert refused.status_code == 422 and refused.json["fields"], body
    assert api.post("delegations", as_="office", json={"proxy": "office", "starts_on": today,
                                                        "ends_on": today}).status_code == 403
    app_id = f.submitted()
    before = (_count(Delegation), _count(AuditRecord))
    assert api.post(f"workflow-versions/application/{app_id}/migrate", as_="office", json={}).status_code == 403
    assert api.post(f"workflow-versions/application/{app_id}/migrate", as_="admin", json={}).status_code == 409
    assert api.post("workflow-versions/application/999999/migrate", as_="admin", json={}).status_code == 404
    assert (_count(Delegation), _count(AuditRecord)) == before
    rows = api.get("workflow-versions", as_="admin").json
    assert {(r["kind"], r["version"], r["current"]) for r in rows} >= {("application", 1, True)}
    assert api.get("workflow-versions", as_="leader").status_code == 403


def test_only_a_leader_may_delegate_whatever_the_body(api):
    """The policy is asked before the input is read, as everywhere: anyone else gets 403 with
    the reason, never a list of what is wrong with their dates."""
    bodies = ({"proxy": "office", "starts_on": "2000-01-01", "ends_on": "1999-01-01"}, {"starts_on": "soon"}, {})
    for who in ("office", "wuhua_applicant", "admin"):
        for body in bodies:
            refused = api.post("delegations", as_=who, json=body)
            assert refused.status_code == 403 and "fields" not in refused.json, (who, body, refused.json)
    assert _count(Delegation) == 0
