"""Follow-on funding over the API: filing (422 on a bad amount, nothing written), attachments,
the detail with the project's evaluations and the agency's grades, the steps as operations, the
grade override, the decision document; 404 and 403 as on the pages."""
from __future__ import annotations

import io

import sqlalchemy as sa

from app.extensions import db
from app.models import FundingRequest
from tests import factories as f
from tests.api.conftest import assert_error
from tests.services.test_attachments import PDF


def _file(api, project_id, as_="wuhua_applicant", **body):
    return api.post(f"projects/{project_id}/funding-requests", as_,
                    json={"amount": "80", "purpose": "推广到全市", **body})


def test_file_attach_review_override_and_approve(api):
    project_id, _ = f.graded("wuhua_applicant", score="50")
    response = _file(api, project_id)
    assert response.status_code == 201, response.get_json()
    filed = response.get_json()
    rid = filed["id"]
    assert (filed["state"], filed["amount"], filed["flow_version"]) == ("office_review", "80.00", 1)
    upload = api.post(f"funding-requests/{rid}/attachments", "wuhua_applicant",
                      data={"kind": "budget", "file": (io.BytesIO(PDF), "预算.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    att = upload.get_json()
    assert (att["size"], att["size_text"]) == (len(PDF), "1 KB")
    assert api.get(f"funding-requests/{rid}/attachments/{att['id']}", "office").data == PDF

    detail = api.get(f"funding-requests/{rid}", "office").get_json()
    assert detail["blocking_grade"] == "unqualified" and detail["deadline"]
    assert [e["grade"] for e in detail["evaluations"]] == ["unqualified"]
    assert [e["project_id"] for e in detail["agency_evaluations"]] == [project_id]
    assert [(a["display_name"], a["size_text"]) for a in detail["attachments"]] == [("预算.pdf", "1 KB")]
    assert api.get("funding-requests", "office").get_json()["total"] == 1

    assert api.act("funding-requests", rid, "pass_funding_review", "office", opinion="材料齐全").status_code == 200
    assert_error(api.act("funding-requests", rid, "approve_funding", "leader", opinion="同意", approved_amount="10"),
                 409, "conflict")
    assert api.act("funding-requests", rid, "override_grade_block", "leader", opinion="已整改").status_code == 200
    body = assert_error(api.act("funding-requests", rid, "approve_funding", "leader", opinion="同意",
                                approved_amount="0"), 422, "invalid")
    assert "approved_amount" in body["fields"]
    done = api.act("funding-requests", rid, "approve_funding", "leader", opinion="同意", approved_amount="60")
    assert done.status_code == 200, done.get_json()
    docs = api.get(f"funding-requests/{rid}/documents", "wuhua_applicant").get_json()
    assert [d["kind"] for d in docs] == ["funding_decision"]
    assert api.get(f"funding-requests/{rid}", "wuhua_applicant").get_json()["approved_amount"] == "60.00"


def test_bad_amounts_are_422_and_nothing_is_written(api):
    project_id, _ = f.graded("wuhua_applicant", score="88")
    for amount in ("0", "-1", "x", "12.345"):
        assert "amount" in assert_error(_file(api, project_id, amount=amount), 422, "invalid")["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundingRequest)) == 0


def test_access(api):
    project_id, _ = f.graded("wuhua_applicant", score="88")
    rid = _file(api, project_id).get_json()["id"]
    assert_error(_file(api, project_id, as_="office"), 403, "forbidden")
    assert_error(_file(api, project_id, as_="kunming_applicant"), 404, "not_found")
    assert_error(api.get(f"funding-requests/{rid}", "kunming_applicant"), 404, "not_found")
    assert_error(api.act("funding-requests", rid, "pass_funding_review", "wuhua_applicant", opinion="自己通过"),
                 403, "forbidden")
    assert api.get("funding-requests", "kunming_applicant").get_json()["total"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundingRequest)) == 1


def test_the_agency_deletes_an_attachment_while_the_request_waits(api):
    project_id, _ = f.graded("wuhua_applicant", score="88")
    rid = _file(api, project_id).get_json()["id"]
    att = api.post(f"funding-requests/{rid}/attachments", "wuhua_applicant",
                   data={"kind": "other", "file": (io.BytesIO(PDF), "错传.pdf")},
                   content_type="multipart/form-data").get_json()
    assert_error(api.delete(f"funding-requests/{rid}/attachments/{att['id']}", "office"), 403, "forbidden")
    assert_error(api.delete(f"funding-requests/{rid + 1}/attachments/{att['id']}", "wuhua_applicant"), 404, "not_found")
    assert api.delete(f"funding-requests/{rid}/attachments/{att['id']}", "wuhua_applicant").status_code == 204
    assert api.get(f"funding-requests/{rid}", "wuhua_applicant").get_json()["attachments"] == []
    assert_error(api.delete(f"funding-requests/{rid}/attachments/{att['id']}", "wuhua_applicant"), 404, "not_found")
    again = api.post(f"funding-requests/{rid}/attachments", "wuhua_applicant",
                     data={"kind": "budget", "file": (io.BytesIO(PDF), "预算.pdf")},
                     content_type="multipart/form-data").get_json()
    assert api.act("funding-requests", rid, "pass_funding_review", "office", opinion="可").status_code == 200
    assert_error(api.delete(f"funding-requests/{rid}/attachments/{again['id']}", "wuhua_applicant"), 409, "conflict")
