"""Applications: the list (same filters and scoping as the web list), filing, editing a draft,
detail, available actions, performing actions and the timeline."""
from __future__ import annotations

from sqlalchemy import event

from app.extensions import db
from app.services.reads import applications as reads
from app.services.reads.paging import COUNTS
from tests import factories
from tests.api.conftest import assert_error


def test_the_list_returns_what_the_web_list_query_returns(api):
    ids = [factories.draft("wuhua_applicant"), factories.submitted("wuhua_applicant"),
           factories.submitted("dali_applicant"), factories.draft("kunming_applicant")]
    for user, params in (("office", {}), ("wuhua_applicant", {}), ("kunming_office", {}), ("dali_office", {}),
                         ("office", {"state": "endorsing"}), ("office", {"division_code": "530100"}),
                         ("office", {"q": "社区"}), ("office", {"organisation_id": factories.user(
                             "dali_applicant").organisation_id})):
        body = api.get("applications", user, query_string=params).get_json()
        expected = reads.list_applications(factories.user(user), reads.ApplicationFilters(**params))
        assert [a["id"] for a in body["items"]] == [a.id for a in expected.items], (user, params)
        assert body["total"] == expected.total
    everything = api.get("applications", "office").get_json()
    assert [a["id"] for a in everything["items"]] == sorted(ids, reverse=True)


def test_an_applicant_never_sees_another_agencys_applications(api):
    mine, theirs = factories.draft("wuhua_applicant"), factories.draft("dali_applicant")
    listed = [a["id"] for a in api.get("applications", "wuhua_applicant").get_json()["items"]]
    assert listed == [mine]
    assert_error(api.get(f"applications/{theirs}", "wuhua_applicant"), 404, "not_found")
    assert_error(api.get(f"applications/{theirs}/timeline", "wuhua_applicant"), 404, "not_found")
    assert_error(api.get(f"applications/{theirs}/actions", "wuhua_applicant"), 404, "not_found")


def test_pages_are_stable_and_carry_the_total(api):
    ids = [factories.draft() for _ in range(5)]
    pages = [api.get(f"applications?per_page=2&page={n}", "wuhua_applicant").get_json() for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [5, 5, 5] and pages[0]["pages"] == 3
    assert [a["id"] for p in pages for a in p["items"]] == sorted(ids, reverse=True)


def test_a_list_request_costs_the_same_number_of_statements_whatever_the_page_size(api):
    for applicant in ("wuhua_applicant", "dali_applicant", "kunming_applicant", "qujing_applicant"):
        for _ in range(3):
            factories.draft(applicant)
    api.get("me", "office")  # the token's first use records it: not part of a list request

    def statements(per_page: int) -> int:
        seen = []
        COUNTS.entries().clear()  # each request counts its rows (none kept from the one before)
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            body = api.get(f"applications?per_page={per_page}", "office").get_json()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(body["items"]) == min(per_page, 12)
        return len(seen)

    assert statements(2) == statements(12) == statements(100)


def test_filing_returns_the_new_draft(api):
    response = api.post("applications", "wuhua_applicant", json=factories.draft_data(requested_budget="88.8"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "draft" and body["version"] == 1 and body["requested_budget"] == "88.80"
    assert body["organisation"]["code"] == "D530102MZ" and body["project_id"] is None
    assert api.get(f"applications/{body['id']}", "wuhua_applicant").get_json() == body


def test_a_filing_outside_the_plan_needs_a_justification(api):
    body = assert_error(api.post("applications", "wuhua_applicant",
                                 json=factories.draft_data(plan_item_id=None)), 422, "invalid")
    assert "off_plan_justification" in body["fields"]
    body = assert_error(api.post("applications", "wuhua_applicant",
                                 json=factories.draft_data(plan_item_id=999999)), 422, "invalid")
    assert "plan_item_id" in body["fields"]


def test_editing_a_draft_needs_the_version_last_seen(api):
    app_id = factories.draft()
    edited = api.put(f"applications/{app_id}", "wuhua_applicant",
                     json={**factories.draft_data(name="全新的名称平台"), "version": 1})
    assert edited.status_code == 200
    assert edited.get_json()["name"] == "全新的名称平台" and edited.get_json()["version"] == 2
    assert_error(api.put(f"applications/{app_id}", "wuhua_applicant",
                         json={**factories.draft_data(), "version": 1}), 409, "conflict")
    body = assert_error(api.put(f"applications/{app_id}", "wuhua_applicant", json=factories.draft_data()),
                        422, "invalid")
    assert "version" in body["fields"]
    assert_error(api.put(f"applications/{app_id}", "office", json={**factories.draft_data(), "version": 2}),
                 403, "forbidden")


def test_a_submitted_application_cannot_be_edited(api):
    app_id = factories.submitted()
    version = api.get(f"applications/{app_id}", "wuhua_applicant").get_json()["version"]
    assert_error(api.put(f"applications/{app_id}", "wuhua_applicant",
                         json={**factories.draft_data(), "version": version}), 409, "conflict")


def test_available_actions_are_the_callers_own(api):
    app_id = factories.endorsed()
    office = api.get(f"applications/{app_id}/actions", "office").get_json()
    assert office["state"] == "initial_review"
    assert {a["trigger"] for a in office["actions"]} == {"pass_initial_review", "return_for_revision", "refuse"}
    applicant = api.get(f"applications/{app_id}/actions", "wuhua_applicant").get_json()
    assert [a["trigger"] for a in applicant["actions"]] == ["withdraw"]
    assert api.get(f"applications/{app_id}/actions", "leader").get_json()["actions"] == []


def test_an_action_takes_the_opinion_and_its_extra_fields(api):
    app_id = factories.submitted()
    step = next(a for a in api.get(f"applications/{app_id}/actions", "wuhua_office").get_json()["actions"]
                if a["trigger"] == "endorse")
    assert step["fields"] == ["ranking"] and step["opinion_required"] is True
    missing = assert_error(api.act("applications", app_id, "endorse", "wuhua_office"), 422, "invalid")
    assert "opinion" in missing["fields"]
    bad = assert_error(api.act("applications", app_id, "endorse", "wuhua_office", opinion="好", ranking=0),
                       422, "invalid")
    assert "ranking" in bad["fields"]
    done = api.act("applications", app_id, "endorse", "wuhua_office", opinion="同意上报", ranking=2).get_json()
    assert done["state"] == "endorsing" and done["created"] is None
    entry = api.get(f"applications/{app_id}/timeline", "wuhua_applicant").get_json()[-1]
    assert (entry["trigger"], entry["actor_role"], entry["opinion"], entry["payload"]) == (
        "endorse", "endorser", "同意上报", {"ranking": 2})
    assert entry["actor_name"] == factories.user("wuhua_office").display_name


def test_an_action_someone_else_may_take_is_403_with_the_reason(api):
    app_id = factories.submitted()
    body = assert_error(api.act("applications", app_id, "endorse", "kunming_office", opinion="同意"),
                        403, "forbidden")
    assert body["message"] == "This application is not awaiting your office's endorsement."


def test_an_unknown_trigger_is_not_an_operation(api):
    app_id = factories.draft()
    assert_error(api.post(f"applications/{app_id}/actions/teleport", "wuhua_applicant", json={"version": 1}),
                 404, "not_found")


def test_the_agencys_evaluation_history_is_shown_beside_its_application(api):
    project_id, _ = factories.graded("wuhua_applicant", score="92")
    app_id = factories.draft("wuhua_applicant")
    history = api.get(f"applications/{app_id}/agency-evaluations", "office").get_json()
    assert [(h["project_id"], h["grade"], h["total_score"]) for h in history] == [(project_id, "excellent", "92.00")]
    assert api.get(f"applications/{app_id}/agency-evaluations", "wuhua_applicant", lang="zh-CN").get_json()[0][
        "grade_label"] == "优秀"
    assert_error(api.get(f"applications/{app_id}/agency-evaluations", "dali_applicant"), 404, "not_found")
