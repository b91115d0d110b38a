"""Administration over the API: the admin pages' writes — users, roles and activation,
organisations, batches with their quota, the plan catalogue and the expert pool."""
from __future__ import annotations

import pytest

from tests import factories
from tests.api.conftest import assert_error

NEW_USER = {"username": "reviewer2", "password": "Review#2026", "display_name": "新经办人",
            "organisation_code": "XXB", "roles": ["office_reviewer"]}
NEW_BATCH = {"name": "2031年度试点", "year": 2031, "opens_on": "2031-03-01", "closes_on": "2031-06-30", "quota": 20}
NEW_ITEM = {"code": "GH-20", "name": "司法协同办案平台", "category": "collaborative", "domain": "office",
            "description": "", "active": True}
NEW_ORG = {"code": "D530102WJ", "name": "五华区卫生健康局", "short_name": "五华卫健", "kind": "department",
           "division_code": "530102"}

WRITES = [("POST", "admin/users", NEW_USER), ("PUT", "admin/users/1", {**NEW_USER}),
          ("POST", "admin/users/1/active", {"active": True}), ("POST", "admin/organisations", NEW_ORG),
          ("PUT", "admin/organisations/1", {"name": "新名称"}), ("POST", "admin/batches", NEW_BATCH),
          ("PUT", "admin/batches/1", NEW_BATCH), ("POST", "admin/plan-items", NEW_ITEM),
          ("PUT", "admin/plan-items/1", NEW_ITEM), ("PUT", "admin/experts/1", {"title": "教授"})]


@pytest.mark.parametrize("username", ["office", "leader", "wuhua_applicant", "expert1"])
def test_only_administrators_may_administer(api, username):
    for method, path, body in WRITES:
        refused = assert_error(api.request(method, path, username, json=body), 403, "forbidden")
        assert refused["message"] == "Only an administrator may do this.", (method, path)
    for path in ("admin/users", "admin/experts"):
        assert_error(api.get(path, username), 403, "forbidden")


def test_an_administrator_creates_a_user_changes_their_roles_and_deactivates_them(api):
    bad = assert_error(api.post("admin/users", "admin", json={**NEW_USER, "password": "short",
                                                              "roles": ["wizard"], "organisation_code": ""}),
                       422, "invalid")
    assert {"password", "roles", "organisation_code"} <= set(bad["fields"])
    unknown_org = assert_error(api.post("admin/users", "admin", json={**NEW_USER, "organisation_code": "NOPE"}),
                               422, "invalid")
    assert unknown_org["fields"] == {"organisation_code": "No such organisation."}
    created = api.post("admin/users", "admin", json=NEW_USER)
    assert created.status_code == 201, created.get_json()
    user = created.get_json()
    assert user["username"] == "reviewer2" and user["roles"] == ["office_reviewer"] and user["active"] is True
    taken = assert_error(api.post("admin/users", "admin", json=NEW_USER), 422, "invalid")
    assert "username" in taken["fields"]

    changed = api.put(f"admin/users/{user['id']}", "admin", json={
        "display_name": "新经办人", "organisation_code": "XXB", "roles": ["office_reviewer", "expert"],
        "specialties": "数据治理", "title": "高工"})
    assert changed.status_code == 200 and changed.get_json()["roles"] == ["expert", "office_reviewer"]
    assert "数据治理" in [e["specialties"] for e in api.get("admin/experts", "admin").get_json()]
    listed = api.get("admin/users?q=reviewer2", "admin").get_json()
    assert [u["id"] for u in listed["items"]] == [user["id"]] and listed["total"] == 1

    token = api.token("reviewer2")
    assert api.get("me", "reviewer2").status_code == 200
    off = api.post(f"admin/users/{user['id']}/active", "admin", json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert_error(api.post(f"admin/users/{user['id']}/active", "admin", json={"active": "perhaps"}), 422, "invalid")
    assert_error(api.post("admin/users/999999/active", "admin", json={"active": True}), 404, "not_found")


def test_an_administrator_keeps_their_own_role_and_account(api):
    me = api.get("me", "admin").get_json()
    demote = assert_error(api.put(f"admin/users/{me['id']}", "admin", json={
        "display_name": "系统管理员", "organisation_code": "XXB", "roles": ["leader"]}), 409, "conflict")
    assert "administrator role" in demote["message"]
    assert_error(api.post(f"admin/users/{me['id']}/active", "admin", json={"active": False}), 409, "conflict")


def test_organisations_are_created_and_renamed(api):
    bad = assert_error(api.post("admin/organisations", "admin", json={**NEW_ORG, "division_code": "999999",
                                                                      "kind": "club"}), 422, "invalid")
    assert "kind" in bad["fields"]
    nowhere = assert_error(api.post("admin/organisations", "admin", json={**NEW_ORG, "division_code": "999999"}),
                           422, "invalid")
    assert "division_code" in nowhere["fields"]
    created = api.post("admin/organisations", "admin", json=NEW_ORG)
    assert created.status_code == 201 and created.get_json()["code"] == "D530102WJ"
    org_id = created.get_json()["id"]
    assert "code" in assert_error(api.post("admin/organisations", "admin", json=NEW_ORG), 422, "invalid")["fields"]
    renamed = api.put(f"admin/organisations/{org_id}", "admin", json={"name": "五华区卫健局", "short_name": ""})
    assert renamed.status_code == 200
    assert renamed.get_json()["name"] == "五华区卫健局" and renamed.get_json()["code"] == "D530102WJ"
    assert "name" in assert_error(api.put(f"admin/organisations/{org_id}", "admin", json={}), 422, "invalid")["fields"]
    assert api.get(f"organisations/{org_id}", "wuhua_applicant").get_json()["name"] == "五华区卫健局"


def test_batches_are_created_and_their_quota_never_drops_below_the_approved(api):
    backwards = assert_error(api.post("admin/batches", "admin", json={**NEW_BATCH, "closes_on": "2031-01-01"}),
                             422, "invalid")
    assert "closes_on" in backwards["fields"]
    created = api.post("admin/batches", "admin", json=NEW_BATCH)
    assert created.status_code == 201 and created.get_json()["quota"] == 20
    factories.project()
    factories.project("kunming_applicant")
    demo = factories.demo_batch()
    body = {"name": demo.name, "year": demo.year, "opens_on": demo.opens_on.isoformat(),
            "closes_on": demo.closes_on.isoformat(), "quota": 1}
    below = assert_error(api.put(f"admin/batches/{demo.id}", "admin", json=body), 422, "invalid")
    assert below["fields"] == {"quota": "2 projects are already approved in this batch."}
    changed = api.put(f"admin/batches/{demo.id}", "admin", json={**body, "quota": 2})
    assert changed.status_code == 200 and changed.get_json()["quota"] == 2


def test_plan_items_are_added_changed_and_retired(api):
    assert "category" in assert_error(api.post("admin/plan-items", "admin", json={**NEW_ITEM, "category": "x"}),
                                      422, "invalid")["fields"]
    created = api.post("admin/plan-items", "admin", json=NEW_ITEM)
    assert created.status_code == 201
    item_id = created.get_json()["id"]
    retired = api.put(f"admin/plan-items/{item_id}", "admin", json={**NEW_ITEM, "active": False})
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    assert item_id not in [i["id"] for i in api.get("plan-items?per_page=100", "wuhua_applicant").get_json()["items"]]
    assert_error(api.put("admin/plan-items/999999", "admin", json=NEW_ITEM), 404, "not_found")


def test_the_expert_pool_is_listed_and_an_expert_taken_out_of_the_draw(api):
    experts = api.get("admin/experts", "admin").get_json()
    assert len(experts) >= 9 and all(e["active"] for e in experts)
    first = experts[0]
    changed = api.put(f"admin/experts/{first['id']}", "admin",
                      json={"specialties": "大数据,云计算", "title": "教授", "active": False})
    assert changed.status_code == 200
    assert changed.get_json() == {**first, "specialties": "大数据,云计算", "title": "教授", "active": False}
    long = assert_error(api.put(f"admin/experts/{first['id']}", "admin", json={"title": "长" * 65}), 422, "invalid")
    assert "title" in long["fields"]


def test_an_administrator_sets_a_users_email_address(app, api):
    bad = assert_error(api.post("admin/users", "admin", json={**NEW_USER, "email": "nope"}), 422, "invalid")
    assert "email" in bad["fields"]
    assert api.get("admin/users?q=reviewer2", "admin").json["items"] == []  # nothing written
    created = api.post("admin/users", "admin", json={**NEW_USER, "email": "r2@example.gov.cn"}).json
    assert created["email"] == "r2@example.gov.cn"
    account = {k: NEW_USER[k] for k in ("display_name", "organisation_code", "roles")}
    kept = api.put(f"admin/users/{created['id']}", "admin", json=account).json
    assert kept["email"] == "r2@example.gov.cn"  # left out: kept
    assert_error(api.put(f"admin/users/{created['id']}", "admin", json={**account, "email": "x" * 300}), 422, "invalid")
    assert api.put(f"admin/users/{created['id']}", "admin", json={**account, "email": None}).json["email"] is None


def test_what_an_expert_update_leaves_out_stays_as_it_was(api):
    """PUT /admin/experts/{id}: every field is optional, and an omitted one is left unchanged —
    a deactivated expert stays out of the draw, their specialties and domains stay."""
    first = api.get("admin/experts", "admin").get_json()[0]
    set_up = api.put(f"admin/experts/{first['id']}", "admin",
                     json={"specialties": "大数据", "title": "教授", "active": False, "domains": ["credit"]})
    assert set_up.status_code == 200, set_up.get_json()
    retitled = api.put(f"admin/experts/{first['id']}", "admin", json={"title": "研究员"})
    assert retitled.status_code == 200
    assert retitled.get_json() == {**set_up.get_json(), "title": "研究员"}
    assert api.put(f"admin/experts/{first['id']}", "admin", json={}).get_json() == retitled.get_json()
    reactivated = api.put(f"admin/experts/{first['id']}", "admin", json={"active": True, "specialties": ""})
    assert reactivated.get_json() == {**retitled.get_json(), "active": True, "specialties": ""}
