"""Change requests over HTTP: filing, material, the steps, the project updated, refusals."""
from __future__ import annotations

import io
from datetime import timedelta

from app.extensions import db
from app.models import Project
from tests import factories
from tests.api.conftest import assert_error

PDF = b"%PDF-1.4\n% api material\n"


def test_an_extension_is_filed_reviewed_and_approved(api):
    pid = factories.project()
    old_end = db.session.get(Project, pid).ends_on
    new_end = (old_end + timedelta(days=90)).isoformat()
    filed = api.post("change-requests", "wuhua_applicant",
                     json={"project_id": pid, "change_type": "extension", "reason": "延期", "new_ends_on": new_end})
    assert filed.status_code == 201, filed.get_json()
    cr = filed.get_json()
    assert (cr["state"], cr["change_type"], cr["changes"]) == (
        "submitted", "extension", [{"field": "ends_on", "old": old_end.isoformat(), "new": new_end}])
    assert cr["deadline"] is not None
    upload = api.post(f"change-requests/{cr['id']}/attachments", "wuhua_applicant",
                      data={"kind": "evidence", "file": (io.BytesIO(PDF), "说明.pdf")},
                      content_type="multipart/form-data")
    assert upload.status_code == 201 and upload.get_json()["kind"] == "evidence"
    assert upload.get_json()["size_text"] == "1 KB"
    got = api.get(f"change-requests/{cr['id']}/attachments/{upload.get_json()['id']}", "office")
    assert got.status_code == 200 and got.data == PDF
    assert api.act("change-requests", cr["id"], "review", "office", opinion="可").status_code == 200
    approved = api.act("change-requests", cr["id"], "approve", "leader", opinion="同意")
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
    assert api.get(f"projects/{pid}", "wuhua_applicant").get_json()["ends_on"] == new_end
    again = api.get(f"change-requests/{cr['id']}", "wuhua_applicant").get_json()
    assert again["changes"] == [{"field": "ends_on", "old": old_end.isoformat(), "new": new_end}]
    assert [c["id"] for c in api.get(f"change-requests?project_id={pid}", "office").get_json()["items"]] == [cr["id"]]


def test_refusals(api):
    pid = factories.project()
    bad = assert_error(api.post("change-requests", "wuhua_applicant",
                                json={"project_id": pid, "change_type": "budget", "reason": "r", "new_budget": "0"}),
                       422, "invalid")
    assert "new_budget" in bad["fields"]
    assert_error(api.post("change-requests", "office",
                          json={"project_id": pid, "change_type": "budget", "reason": "r", "new_budget": "5"}),
                 403, "forbidden")
    assert_error(api.post("change-requests", "dali_applicant",
                          json={"project_id": pid, "change_type": "budget", "reason": "r", "new_budget": "5"}),
                 404, "not_found")
    assert api.post("change-requests", "wuhua_applicant",
                    json={"project_id": pid, "change_type": "budget", "reason": "r", "new_budget": "5"}).status_code == 201
    assert_error(api.post("change-requests", "wuhua_applicant",
                          json={"project_id": pid, "change_type": "scope", "reason": "r", "new_content": "x"}),
                 409, "conflict")
    assert api.get("change-requests", "dali_applicant").get_json()["total"] == 0
    assert_error(api.get("change-requests", "expert3"), 403, "forbidden")


def test_the_agency_deletes_material_while_the_request_waits(api):
    pid = factories.project()
    end = (db.session.get(Project, pid).ends_on + timedelta(days=90)).isoformat()
    cr = api.post("change-requests", "wuhua_applicant",
                  json={"project_id": pid, "change_type": "extension", "reason": "延期", "new_ends_on": end}).get_json()
    att = api.post(f"change-requests/{cr['id']}/attachments", "wuhua_applicant",
                   data={"kind": "evidence", "file": (io.BytesIO(PDF), "错传.pdf")},
                   content_type="multipart/form-data").get_json()
    assert_error(api.delete(f"change-requests/{cr['id']}/attachments/{att['id']}", "office"), 403, "forbidden")
    assert api.delete(f"change-requests/{cr['id']}/attachments/{att['id']}", "wuhua_applicant").status_code == 204
    assert api.get(f"change-requests/{cr['id']}", "wuhua_applicant").get_json()["attachments"] == []
    again = api.post(f"change-requests/{cr['id']}/attachments", "wuhua_applicant",
                     data={"kind": "evidence", "file": (io.BytesIO(PDF), "说明.pdf")},
                     content_type="multipart/form-data").get_json()
    assert api.act("change-requests", cr["id"], "review", "office", opinion="可").status_code == 200
    assert_error(api.delete(f"change-requests/{cr['id']}/attachments/{again['id']}", "wuhua_applicant"), 409, "conflict")
