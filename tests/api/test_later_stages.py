"""Projects, mid-term checks, acceptance panels and scores, evaluations — over HTTP."""
from __future__ import annotations

from app import clock
from app.demo.seed import DEMO_PASSWORD
from tests import factories
from tests.api.conftest import assert_error
from workflows.acceptance import CRITERIA


def test_projects_are_listed_and_scoped(api):
    mine = factories.project("wuhua_applicant")
    theirs = factories.project("dali_applicant")
    assert [p["id"] for p in api.get("projects", "office").get_json()["items"]] == [theirs, mine]
    assert [p["id"] for p in api.get("projects", "wuhua_applicant").get_json()["items"]] == [mine]
    assert api.get("projects?state=closed", "office").get_json()["total"] == 0
    assert_error(api.get(f"projects/{theirs}", "wuhua_applicant"), 404, "not_found")
    project = api.get(f"projects/{mine}", "wuhua_applicant").get_json()
    assert project["code"].startswith(f"YNDZ-{factories.demo_batch().year}-") and project["version"] == 1


def test_a_mid_term_check_is_opened_reported_and_passed(api):
    project_id = factories.project()
    assert_error(api.post("midterm-checks", "wuhua_applicant", json={"year": clock.today().year}), 403, "forbidden")
    opened = api.post("midterm-checks", "office", json={"year": clock.today().year})
    assert opened.status_code == 201
    check = opened.get_json()[0]
    assert check["project_id"] == project_id and check["state"] == "due"
    assert api.post("midterm-checks", "office", json={"year": clock.today().year}).get_json() == []
    listed = api.get(f"midterm-checks?project_id={project_id}", "wuhua_applicant").get_json()
    assert [c["id"] for c in listed["items"]] == [check["id"]]
    empty = assert_error(api.act("midterm-checks", check["id"], "submit_progress_report", "wuhua_applicant"),
                         422, "invalid")
    assert "report" in empty["fields"]
    assert api.act("midterm-checks", check["id"], "submit_progress_report", "wuhua_applicant",
                   report="进展顺利").get_json()["state"] == "report_submitted"
    past = assert_error(api.act("midterm-checks", check["id"], "order_rectification", "office",
                                opinion="整改", deadline="2000-01-01"), 422, "invalid")
    assert "deadline" in past["fields"]
    assert api.act("midterm-checks", check["id"], "pass_check", "office", opinion="通过").get_json()[
        "state"] == "passed"
    assert api.get(f"midterm-checks/{check['id']}", "wuhua_applicant").get_json()["progress_report"] == "进展顺利"


def test_an_acceptance_panel_scores_concludes_and_signs_over_the_api(api):
    project_id, acc_id = factories.in_acceptance()
    formed = api.act("acceptances", acc_id, "form_panel", "office", size=3, seed=7).get_json()
    assert formed["state"] == "scoring"
    detail = api.get(f"acceptances/{acc_id}", "office").get_json()
    experts = {m["user_id"]: m for m in detail["members"]}
    assert len(experts) == 3 and sum(m["is_chair"] for m in detail["members"]) == 1
    usernames = {factories.db.session.get(factories.User, uid).username: m for uid, m in experts.items()}
    outsider = next(f"expert{i}" for i in range(1, 10) if f"expert{i}" not in usernames)
    assert_error(api.get(f"acceptances/{acc_id}", outsider), 404, "not_found")

    scores = {k: {"score": str(m * 0.9), "comment": "好"} for k, _zh, _en, m in CRITERIA}
    too_many = {**scores, "completion": {"score": "31", "comment": ""}}
    chair = next(u for u, m in usernames.items() if m["is_chair"])
    # 回避声明 first: until then no summary, and scoring is refused with the reason
    undeclared = api.get(f"acceptances/{acc_id}", chair).get_json()
    assert undeclared["undeclared"] is True and undeclared["summary"] == ""
    assert "回避声明" in assert_error(api.act("acceptances", acc_id, "submit_scores", chair, scores=scores),
                                    403, "forbidden")["message"]
    for username in usernames:
        assert api.act("acceptances", acc_id, "declare", username).status_code == 200
    assert api.get(f"acceptances/{acc_id}", chair).get_json()["summary"] == "已完成建设"
    body = assert_error(api.act("acceptances", acc_id, "submit_scores", chair, scores=too_many), 422, "invalid")
    assert "completion" in body["fields"]
    for username in usernames:
        assert api.act("acceptances", acc_id, "submit_scores", username, scores=scores).status_code == 200
    assert api.act("acceptances", acc_id, "conclude", chair, opinion="同意通过验收").get_json()["state"] == "signing"
    for username in sorted(usernames, key=lambda u: usernames[u]["is_chair"]):
        assert api.act("acceptances", acc_id, "sign_report", username, password=DEMO_PASSWORD).status_code == 200
    assert api.act("acceptances", acc_id, "seal_report", "office").get_json()["state"] == "passed"
    final = api.get(f"acceptances/{acc_id}", "wuhua_applicant").get_json()
    assert final["conclusion"] == "pass" and final["average_score"] == "90.00"
    assert final["scores"] == [] and all(m["signed_at"] for m in final["members"])  # the agency sees no scores
    assert len(api.get(f"acceptances/{acc_id}", "office").get_json()["scores"]) == 3 * len(CRITERIA)
    member = next(u for u, m in usernames.items() if not m["is_chair"])
    own = api.get(f"acceptances/{acc_id}", member).get_json()["scores"]
    assert len(own) == len(CRITERIA) and {s["expert_id"] for s in own} == {usernames[member]["expert_id"]}
    assert api.get(f"projects/{project_id}", "wuhua_applicant").get_json()["state"] == "evaluation"
    assert [a["id"] for a in api.get(f"acceptances?project_id={project_id}", "office").get_json()["items"]] == [acc_id]


def test_an_evaluation_is_opened_self_evaluated_scored_and_graded(api):
    project_id, _ = factories.accepted()
    period = str(clock.today().year + 1)
    opened = api.post("evaluations", "office", json={"period": period, "project_ids": [project_id]})
    assert opened.status_code == 201
    ev_id = opened.get_json()[0]["id"]
    api.act("evaluations", ev_id, "submit_self_evaluation", "wuhua_applicant", report="运行良好")
    scored = api.act("evaluations", ev_id, "score", "office", opinion="评分", results_score="90",
                     operation_score="80", promotion_score="70").get_json()
    assert scored["state"] == "scored"
    assert api.get(f"evaluations/{ev_id}", "office").get_json()["total_score"] == "83.00"
    assert_error(api.act("evaluations", ev_id, "confirm_grade", "office", opinion="同意"), 403, "forbidden")
    api.act("evaluations", ev_id, "confirm_grade", "leader", opinion="同意")
    graded = api.get(f"evaluations?state=graded&project_id={project_id}", "wuhua_applicant").get_json()["items"]
    assert [(e["id"], e["grade"]) for e in graded] == [(ev_id, "good")]
    history = api.get(f"projects/{project_id}/agency-evaluations", "office").get_json()
    assert [(h["period"], h["grade"]) for h in history] == [(period, "good")]


def test_a_project_action_reports_what_it_created(api):
    project_id = factories.project()
    with factories.transaction():
        factories.checks.open_checks(factories.user("office"), clock.today().year)
    check_id = api.get(f"midterm-checks?project_id={project_id}", "office").get_json()["items"][0]["id"]
    api.act("midterm-checks", check_id, "submit_progress_report", "wuhua_applicant", report="进展")
    api.act("midterm-checks", check_id, "pass_check", "office", opinion="通过")
    version = api.get(f"projects/{project_id}", "wuhua_applicant").get_json()["version"]
    result = api.post(f"projects/{project_id}/actions/request_acceptance", "wuhua_applicant",
                      data={"version": str(version), "summary": "完成", **factories.acceptance_files()},
                      content_type="multipart/form-data").get_json()
    assert result["state"] == "acceptance" and result["created"]["kind"] == "acceptance"
    assert api.get(f"acceptances/{result['created']['id']}", "wuhua_applicant").get_json()["summary"] == "完成"


def test_the_office_fills_a_vacant_seat_over_the_api_once_the_pool_has_someone(api):
    _project_id, acc_id = factories.in_acceptance()
    api.act("acceptances", acc_id, "form_panel", "office", size=3, seed=7)
    detail = api.get(f"acceptances/{acc_id}", "office").get_json()
    seated = {m["expert_id"] for m in detail["members"]}
    idle = [e for e in api.get("admin/experts", "admin").get_json() if e["id"] not in seated and e["active"]]
    for expert in idle:  # the pool has nobody left to replace a recusal
        assert api.put(f"admin/experts/{expert['id']}", "admin", json={**expert, "active": False}).status_code == 200
    member = factories.db.session.get(factories.User, next(m["user_id"] for m in detail["members"]
                                                           if not m["is_chair"])).username
    assert api.act("acceptances", acc_id, "recuse", member, opinion="与申报单位有合作关系").status_code == 200
    actions = api.get(f"acceptances/{acc_id}/actions", "office").get_json()["actions"]
    assert [a["trigger"] for a in actions] == ["fill_seats"]
    refused = assert_error(api.act("acceptances", acc_id, "fill_seats", "office"), 409, "conflict")
    assert "Nobody in the expert pool is free to sit on this panel" in refused["message"]
    assert len(api.get(f"acceptances/{acc_id}", "office").get_json()["members"]) == 2

    for expert in idle:
        assert api.put(f"admin/experts/{expert['id']}", "admin", json={**expert, "active": True}).status_code == 200
    assert api.act("acceptances", acc_id, "fill_seats", "office").status_code == 200
    after = api.get(f"acceptances/{acc_id}", "office").get_json()
    recused = next(m for m in after["panel"] if m["declaration"] == "recused")
    filled = next(m for m in after["panel"] if m["replaces_id"] == recused["id"])
    assert len(after["members"]) == 3 and filled["expert_id"] in {e["id"] for e in idle}
    assert filled["draw_seed"] is not None and filled["declaration"] is None
    assert_error(api.act("acceptances", acc_id, "fill_seats", "office"), 409, "conflict")


def test_an_expert_recuses_over_the_api_and_an_admin_sets_specialist_domains(api):
    _project_id, acc_id = factories.in_acceptance()
    api.act("acceptances", acc_id, "form_panel", "office", size=3, seed=7)
    detail = api.get(f"acceptances/{acc_id}", "office").get_json()
    names = {m["user_id"]: factories.db.session.get(factories.User, m["user_id"]).username for m in detail["members"]}
    member = next(names[m["user_id"]] for m in detail["members"] if not m["is_chair"])
    empty = assert_error(api.act("acceptances", acc_id, "recuse", member), 422, "invalid")
    assert "opinion" in empty["fields"]
    assert api.act("acceptances", acc_id, "recuse", member, opinion="与申报单位有合作关系").status_code == 200
    after = api.get(f"acceptances/{acc_id}", "office").get_json()
    assert len(after["members"]) == 3 and len(after["panel"]) == 4
    recused = next(m for m in after["panel"] if m["declaration"] == "recused")
    assert recused["recusal_reason"] == "与申报单位有合作关系" and recused["declared_at"]
    replacement = next(m for m in after["panel"] if m["replaces_id"] == recused["id"])
    assert replacement["draw_seed"] is not None and replacement["declaration"] is None
    assert_error(api.act("acceptances", acc_id, "declare", member), 403, "forbidden")

    expert = next(e for e in api.get("admin/experts", "admin").get_json() if e["username"] == "expert2")
    assert expert["domains"] == []
    assert_error(api.put(f"admin/experts/{expert['id']}", "office", json={"domains": ["finance"]}), 403, "forbidden")
    bad = assert_error(api.put(f"admin/experts/{expert['id']}", "admin", json={"domains": ["nope"]}), 422, "invalid")
    assert "domains" in bad["fields"]
    saved = api.put(f"admin/experts/{expert['id']}", "admin", json={"title": "教授", "domains": ["finance", "credit"]})
    assert saved.status_code == 200 and saved.get_json()["domains"] == ["credit", "finance"]
