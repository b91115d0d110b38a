"""Reference data (organisations, batches, the plan catalogue, criteria) and statistics."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Organisation
from tests import factories
from tests.api.conftest import assert_error
from workflows.acceptance import CRITERIA


def test_organisations_are_paginated_with_a_total_in_a_stable_order(api):
    total = db.session.scalar(sa.select(sa.func.count(Organisation.id)))
    first = api.get("organisations?per_page=50", "wuhua_applicant").get_json()
    second = api.get("organisations?per_page=50&page=2", "wuhua_applicant").get_json()
    assert first["total"] == second["total"] == total and first["pages"] == -(-total // 50)
    codes = [o["code"] for o in first["items"] + second["items"]]
    assert codes == sorted(codes) and len(set(codes)) == len(codes) == min(100, total)


def test_organisations_filter_by_kind_and_text(api):
    body = api.get("organisations?kind=department&q=五华区民政", "office").get_json()
    assert [o["code"] for o in body["items"]] == ["D530102MZ"]
    assert body["items"][0]["kind_label"] == "Department"
    org_id = body["items"][0]["id"]
    assert api.get(f"organisations/{org_id}", "office").get_json()["name"] == "五华区民政局"
    assert_error(api.get("organisations/99999999", "office"), 404, "not_found")


def test_batches_and_plan_items(api):
    batch = api.get("batches", "wuhua_applicant").get_json()["items"][0]
    assert batch["id"] == factories.demo_batch().id and batch["quota"] > 0
    assert api.get(f"batches/{batch['id']}", "expert1").get_json()["name"] == batch["name"]
    items = api.get("plan-items?category=business", "wuhua_applicant").get_json()["items"]
    assert items and all(i["category"] == "business" for i in items)
    assert api.get(f"plan-items/{items[0]['id']}", "wuhua_applicant", lang="zh-CN").get_json()[
        "category_label"] == "业务应用系统"


def test_acceptance_criteria_add_up_to_100(api):
    criteria = api.get("acceptance-criteria", "expert1").get_json()
    assert [c["key"] for c in criteria] == [k for k, *_ in CRITERIA]
    assert sum(c["max_points"] for c in criteria) == 100


def test_statistics_are_the_dashboards_figures_for_the_office_and_leaders_only(api):
    factories.submitted("wuhua_applicant")
    factories.draft("wuhua_applicant")
    factories.submitted("dali_applicant")
    office = api.get("statistics", "office").get_json()
    assert office["applications_by_state"] == {"endorsing": 2, "draft": 1}
    assert office["requested_budget_total"] == "361.50"
    assert api.get("statistics", "leader").get_json()["applications_by_state"] == office["applications_by_state"]
    for who in ("wuhua_applicant", "wuhua_office", "expert1"):
        denied = api.get("statistics", who)
        assert denied.status_code == 403 and denied.get_json()["message"], who
    assert api.get(f"statistics?batch_id={factories.demo_batch().id + 1}", "office").get_json()[
        "applications_by_state"] == {}
