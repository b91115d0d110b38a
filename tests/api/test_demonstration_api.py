"""The demonstration 公示 over the API: the public list and objections without a token, the
Office's answer and the leader's confirmation as workflow actions, each refusal with its reason
and nothing written."""
from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import DemonstrationObjection
from app.services.time.calendar import add_working_days
from tests import factories
from tests.api.conftest import assert_error

OBJECTION = {"contact": "13800000000", "text": "该项目绩效数据有误。"}


def objections() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(DemonstrationObjection))


def test_the_public_notice_objection_answer_and_confirmation(app, api):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    assert_error(api.get("public/demonstration-list"), 404, "not_found")  # no token needed, nothing yet
    project_id, _ = factories.graded(score="95")
    moved = api.act("projects", project_id, "select_demonstration", "leader", opinion="拟推荐")
    assert moved.status_code == 200 and moved.get_json()["state"] == "candidate"
    published = api.post("demonstration-lists", "leader", json={"opinion": "公示", "notice_days": 2})
    assert published.status_code == 201, published.get_json()
    listed = published.get_json()
    assert listed["state"] == "notice" and listed["notice_ends_on"] == add_working_days(clock.today(), 2).isoformat()

    public = api.get("public/demonstration-list", lang="zh-CN")
    assert public.status_code == 200
    body = public.get_json()
    assert [p["project_id"] for p in body["projects"]] == [project_id] and body["state_label"] == "公示中"
    assert set(body["projects"][0]) == {"project_id", "name", "agency", "domain", "domain_label", "grade",
                                        "grade_label"}
    assert len(body["coverage"]) == 12

    missing = assert_error(api.post("public/demonstration-list/objections", json={"text": "无联系方式"}), 422,
                           "invalid")
    assert "contact" in missing["fields"]
    assert objections() == 0
    filed = api.post("public/demonstration-list/objections", json={**OBJECTION, "project_id": project_id})
    assert filed.status_code == 201, filed.get_json()
    objection_id = filed.get_json()["id"]
    assert "contact" not in filed.get_json()

    assert_error(api.get(f"demonstration-objections/{objection_id}", "wuhua_applicant"), 404, "not_found")
    seen = api.get(f"demonstration-objections/{objection_id}", "office").get_json()
    assert seen["contact"] == OBJECTION["contact"] and seen["state"] == "filed" and seen["deadline"]
    early = assert_error(api.act("demonstration-lists", listed["id"], "confirm_list", "leader", opinion="确认"),
                         409, "conflict")
    assert "notice period" in early["message"]
    answered = api.act("demonstration-objections", objection_id, "answer_objection", "office", opinion="已核实，无误。")
    assert answered.status_code == 200 and answered.get_json()["state"] == "answered"

    clock.set_now(datetime.combine(add_working_days(clock.today(), 3), time(9), tzinfo=clock.BEIJING))
    late = assert_error(api.post("public/demonstration-list/objections", json=OBJECTION), 409, "conflict")
    assert "no longer" in late["message"] and objections() == 1
    confirmed = api.act("demonstration-lists", listed["id"], "confirm_list", "leader", opinion="确认最终名单")
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "confirmed"
    assert api.get(f"projects/{project_id}", "office").get_json()["state"] == "demonstration"
    final = api.get("public/demonstration-list").get_json()
    assert final["state"] == "confirmed" and final["objections"] == final["objections_answered"] == 1


def test_only_a_leader_publishes_and_confirms(app, api):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    project_id, _ = factories.graded(score="95")
    assert api.act("projects", project_id, "select_demonstration", "office", opinion="拟推荐").status_code == 403
    api.act("projects", project_id, "select_demonstration", "leader", opinion="拟推荐")
    assert_error(api.post("demonstration-lists", "office", json={"opinion": "公示"}), 403, "forbidden")
    assert_error(api.post("demonstration-lists", "leader", json={"notice_days": 0}), 422, "invalid")
    list_id = api.post("demonstration-lists", "leader", json={}).get_json()["id"]
    assert_error(api.get(f"demonstration-lists/{list_id}", "wuhua_applicant"), 404, "not_found")
    assert api.get(f"demonstration-lists/{list_id}", "office").status_code == 200
