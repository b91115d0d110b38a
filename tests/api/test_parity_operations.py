"""The web pages' writes over the API: batch endorsement (汇总上报), follow-on funding requests,
publishing the demonstration list, the application form (申报书) and notifications — each for
the right role, refused with the reason for a wrong one, and validated field by field."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Application, Endorsement, FundingRequest
from tests import factories
from tests.api.conftest import assert_error


def _version(api, app_id: int, username: str = "office") -> int:
    return api.get(f"applications/{app_id}", username).get_json()["version"]


# --- 汇总上报 ---------------------------------------------------------------------------------------
def test_an_office_endorses_several_applications_at_once_with_their_ranking(api):
    first, second = factories.submitted(), factories.submitted(name="五华区养老服务平台")
    body = {"opinion": "同意推荐", "items": [
        {"id": first, "ranking": 2, "version": _version(api, first)},
        {"id": second, "ranking": 1, "version": _version(api, second)}]}
    response = api.post("endorsements", "wuhua_office", json=body)
    assert response.status_code == 200, response.get_json()
    endorsed = response.get_json()
    assert [(a["id"], a["state"]) for a in endorsed] == [(first, "endorsing"), (second, "endorsing")]
    assert all(a["version"] == item["version"] + 1 for a, item in zip(endorsed, body["items"]))
    db.session.expire_all()
    rankings = dict(db.session.execute(sa.select(Endorsement.application_id, Endorsement.ranking)
                                       .where(Endorsement.position == 0)).all())
    assert rankings == {first: 2, second: 1}
    assert db.session.get(Application, first).endorsement_level == 1  # now the prefecture's
    timeline = api.get(f"applications/{first}/timeline", "office").get_json()
    assert timeline[-1]["trigger"] == "endorse" and timeline[-1]["opinion"] == "同意推荐"


def test_batch_endorsement_is_refused_with_the_reason_for_anyone_but_an_endorser(api):
    app_id = factories.submitted()
    body = {"opinion": "同意", "items": [{"id": app_id, "ranking": 1, "version": _version(api, app_id)}]}
    refused = assert_error(api.post("endorsements", "wuhua_applicant", json=body), 403, "forbidden")
    assert "endorser may endorse" in refused["message"]
    not_yet = assert_error(api.post("endorsements", "kunming_office", json=body), 403, "forbidden")
    assert "not awaiting your office" in not_yet["message"]  # the prefecture comes after the county
    assert_error(api.post("endorsements", "qujing_office", json=body), 404, "not_found")  # outside its area


def test_batch_endorsement_validates_each_field(api):
    first, second = factories.submitted(), factories.submitted()
    v1, v2 = _version(api, first), _version(api, second)
    missing = assert_error(api.post("endorsements", "wuhua_office", json={"opinion": "同意"}), 422, "invalid")
    assert "items" in missing["fields"]
    empty = assert_error(api.post("endorsements", "wuhua_office", json={"opinion": "同意", "items": []}),
                         422, "invalid")
    assert empty["fields"]["items"] == "Tick at least one application."
    same_place = assert_error(api.post("endorsements", "wuhua_office", json={"opinion": "同意", "items": [
        {"id": first, "ranking": 1, "version": v1}, {"id": second, "ranking": 1, "version": v2}]}), 422, "invalid")
    assert "own place" in same_place["fields"]["items"]
    no_version = assert_error(api.post("endorsements", "wuhua_office", json={
        "opinion": "同意", "items": [{"id": first, "ranking": 1}]}), 422, "invalid")
    assert "version" in no_version["fields"]["items"]
    no_opinion = assert_error(api.post("endorsements", "wuhua_office", json={
        "items": [{"id": first, "ranking": 1, "version": v1}]}), 422, "invalid")
    assert "opinion" in no_opinion["fields"]
    db.session.expire_all()
    assert db.session.get(Application, first).endorsement_level == 0


def test_batch_endorsement_is_all_or_nothing_and_refuses_a_stale_version(api):
    first, second = factories.submitted(), factories.submitted()
    body = {"opinion": "同意", "items": [{"id": first, "ranking": 1, "version": _version(api, first)},
                                       {"id": second, "ranking": 2, "version": _version(api, second) - 1}]}
    assert_error(api.post("endorsements", "wuhua_office", json=body), 409, "conflict")
    db.session.expire_all()
    assert db.session.get(Application, first).endorsement_level == 0


# --- 后续资金申请 -------------------------------------------------------------------------------------
def test_the_agency_requests_follow_on_funding_for_its_accepted_project(api):
    project_id, _ = factories.graded()
    response = api.post(f"projects/{project_id}/funding-requests", "wuhua_applicant",
                        json={"amount": "50", "purpose": "推广到全市"})
    assert response.status_code == 201, response.get_json()
    filed = response.get_json()
    assert filed["project_id"] == project_id and filed["amount"] == "50.00" and filed["purpose"] == "推广到全市"
    assert db.session.get(FundingRequest, filed["id"]) is not None
    timeline = api.get(f"funding-requests/{filed['id']}/timeline", "office").get_json()
    assert timeline[-1]["trigger"] == "request_funding"


def test_a_funding_request_is_refused_validated_and_needs_a_passed_acceptance(api):
    project_id, _ = factories.graded()
    body = {"amount": "50", "purpose": "推广"}
    refused = assert_error(api.post(f"projects/{project_id}/funding-requests", "office", json=body), 403, "forbidden")
    assert refused["message"] == "Only an applicant agency's staff may do this."
    assert_error(api.post(f"projects/{project_id}/funding-requests", "kunming_applicant", json=body), 404, "not_found")
    bad = assert_error(api.post(f"projects/{project_id}/funding-requests", "wuhua_applicant",
                                json={"amount": "0", "purpose": ""}), 422, "invalid")
    assert set(bad["fields"]) == {"amount", "purpose"}
    building = factories.project("dali_applicant")
    early = assert_error(api.post(f"projects/{building}/funding-requests", "dali_applicant", json=body),
                         409, "conflict")
    assert "passed acceptance" in early["message"]


# --- 示范项目名单 -----------------------------------------------------------------------------------
def test_a_leader_publishes_the_demonstration_list(app, api):
    assert_error(api.get("demonstration-lists/latest", "wuhua_applicant"), 404, "not_found")
    project_id, _ = factories.graded(score="95")
    assert api.act("projects", project_id, "select_demonstration", "leader", opinion="选入").status_code == 200
    too_few = assert_error(api.post("demonstration-lists", "leader", json={"opinion": "发布"}), 409, "conflict")
    assert "it holds 1 candidates" in too_few["message"]
    app.config["DEMONSTRATION_MIN"] = 1
    refused = assert_error(api.post("demonstration-lists", "office", json={"opinion": "发布"}), 403, "forbidden")
    assert refused["message"] == "Only the Information Office's leaders may do this."
    long = assert_error(api.post("demonstration-lists", "leader", json={"opinion": "长" * 5001}), 422, "invalid")
    assert "opinion" in long["fields"]
    published = api.post("demonstration-lists", "leader", json={"opinion": "发布示范项目名单。"})
    assert published.status_code == 201
    assert published.get_json()["project_ids"] == [project_id]
    latest = api.get("demonstration-lists/latest", "qujing_applicant").get_json()
    assert latest["id"] == published.get_json()["id"] and [p["id"] for p in latest["projects"]] == [project_id]


# --- 申报书 ----------------------------------------------------------------------------------------
def test_the_applicant_issues_the_application_form(api):
    app_id = factories.submitted()
    issued = api.post(f"applications/{app_id}/application-form", "wuhua_applicant")
    assert issued.status_code == 200, issued.get_json()
    document = issued.get_json()
    assert document["kind"] == "application_form" and document["entity_id"] == app_id and document["number"]
    again = api.post(f"applications/{app_id}/application-form", "wuhua_applicant").get_json()
    assert again["id"] == document["id"]  # the unchanged application gives back the same form
    pdf = api.get(f"documents/{document['id']}", "wuhua_applicant")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    refused = assert_error(api.post(f"applications/{app_id}/application-form", "wuhua_office"), 403, "forbidden")
    assert "may print the application form" in refused["message"]
    assert_error(api.post(f"applications/{app_id}/application-form", "kunming_applicant"), 404, "not_found")


# --- 通知 ------------------------------------------------------------------------------------------
@pytest.mark.usefixtures("factory_jobs")
def test_notifications_are_listed_and_marked_read(api):
    app_id = factories.endorsed()  # the applicant agency hears of each endorsement
    listed = api.get("notifications", "wuhua_applicant").get_json()
    assert listed["total"] == 2 and all(n["read_at"] is None for n in listed["items"])
    assert {(n["entity_type"], n["entity_id"], n["params"]["trigger"]) for n in listed["items"]} == {
        ("application", app_id, "endorse")}
    assert api.get("notifications", "kunming_applicant").get_json()["total"] == 0
    marked = api.post("notifications/read", "wuhua_applicant")
    assert marked.status_code == 200 and marked.get_json() == {"marked": 2}
    assert api.post("notifications/read", "wuhua_applicant").get_json() == {"marked": 0}
    assert all(n["read_at"] for n in api.get("notifications", "wuhua_applicant").get_json()["items"])
    bad = assert_error(api.get("notifications?per_page=0", "wuhua_applicant"), 422, "invalid")
    assert "per_page" in bad["fields"]
    assert_error(api.post("notifications/read"), 401, "unauthorized")
