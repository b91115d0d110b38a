"""The 'curl' scenario of docs/api.md: an application goes from draft to an approved project
using nothing but HTTP calls with personal tokens (made with `flask users token create`)."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import PlanItem


def _token(runner, username: str) -> str:
    result = runner.invoke(args=["users", "token", "create", username, "--name", "walkthrough", "--quiet"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_application_goes_from_draft_to_approved_project_through_the_api_alone(client, runner):
    tokens = {u: _token(runner, u) for u in
              ("wuhua_applicant", "wuhua_office", "kunming_office", "office", "leader", "fgw", "czt", "xxb")}

    def call(method, path, user, body=None):
        response = client.open(f"/api/v1/{path}", method=method, json=body,
                               headers={"Authorization": f"Bearer {tokens[user]}", "Accept-Language": "en"})
        assert response.status_code in (200, 201), (method, path, user, response.get_json())
        return response.get_json()

    batch = call("GET", "batches", "wuhua_applicant")["items"][0]
    item = call("GET", "plan-items?category=online_service", "wuhua_applicant")["items"][0]
    draft = call("POST", "applications", "wuhua_applicant", {
        "batch_id": batch["id"], "name": "社区综合服务信息平台", "category": "online_service",
        "domain": "social_security", "contact_name": "刘洋", "contact_phone": "0871-65123456",
        "requested_budget": "120.50", "construction_months": 18, "objectives": "提高办事效率",
        "content": "建设社区服务系统", "expected_benefits": "群众少跑腿", "plan_item_id": item["id"]})
    assert draft["state"] == "draft" and draft["version"] == 1
    app_id, version = draft["id"], draft["version"]

    def act(user, trigger, **body):
        nonlocal version
        actions = call("GET", f"applications/{app_id}/actions", user)["actions"]
        assert trigger in [a["trigger"] for a in actions], (user, trigger, actions)
        result = call("POST", f"applications/{app_id}/actions/{trigger}", user, {"version": version, **body})
        assert result["version"] == version + 1
        version = result["version"]
        return result

    assert act("wuhua_applicant", "submit")["state"] == "endorsing"
    act("wuhua_office", "endorse", opinion="同意上报", ranking=1)
    assert act("kunming_office", "endorse", opinion="同意上报", ranking=1)["state"] == "initial_review"
    assert act("office", "pass_initial_review", opinion="初审通过")["state"] == "leader_approval"
    assert act("leader", "leader_approve", opinion="同意")["state"] == "re_review"
    for reviewer in ("fgw", "czt", "xxb"):
        act(reviewer, "record_joint_opinion", recommendation="approve", opinion="同意")
    assert act("office", "re_review_approve", opinion="复审通过")["state"] == "project_approval"
    result = act("leader", "approve_project", opinion="批准立项", approved_budget="100.00", construction_months=12)
    assert result["state"] == "approved"
    assert result["created"]["kind"] == "project"

    project = call("GET", f"projects/{result['created']['id']}", "wuhua_applicant")
    assert project["application_id"] == app_id and project["approved_budget"] == "100.00"
    assert project["state"] == "under_construction"
    assert call("GET", f"applications/{app_id}", "wuhua_applicant")["project_id"] == project["id"]
    timeline = call("GET", f"applications/{app_id}/timeline", "office")
    assert [e["trigger"] for e in timeline][:3] == ["create", "submit", "endorse"]
    assert timeline[-1]["trigger"] == "approve_project" and timeline[-1]["actor_role"] == "leader"
    assert timeline[-1]["opinion"] == "批准立项"
    assert db.session.scalar(sa.select(sa.func.count(PlanItem.id))) > 0
