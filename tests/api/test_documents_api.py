"""Issued documents over HTTP: listed beside their item, downloaded as PDF, verified."""
from __future__ import annotations

import io

import pytest

from tests import factories
from tests.api.conftest import assert_error


@pytest.mark.usefixtures("factory_jobs")
def test_the_approval_document_is_listed_downloaded_and_verified(api):
    project_id = factories.project("wuhua_applicant")
    listed = api.get(f"projects/{project_id}/documents", "wuhua_applicant").get_json()
    assert [d["kind"] for d in listed] == ["project_approval"]
    doc = listed[0]
    assert_error(api.get(f"projects/{project_id}/documents", "dali_applicant"), 404, "not_found")
    assert_error(api.get(f"documents/{doc['id']}", "dali_applicant"), 404, "not_found")

    pdf = api.get(f"documents/{doc['id']}", "wuhua_applicant")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")

    by_number = api.get("documents/verify", "dali_applicant", query_string={"number": doc["number"]}).get_json()
    assert by_number["verdict"] == "authentic" and by_number["sha256"]  # sealed by the Office as it was issued
    assert [s["role"] for s in by_number["signatures"]] == ["office"]
    assert by_number["signatures"][0]["signed_at_beijing"].endswith("+08:00")
    checked = api.post("documents/verify", "office", data={"file": (io.BytesIO(pdf.data), "批复.pdf")},
                       content_type="multipart/form-data").get_json()
    assert checked["sha256"] == by_number["sha256"] and checked["match"]["number"] == doc["number"]
    tampered = api.post("documents/verify", "office",
                        data={"file": (io.BytesIO(pdf.data + b"\n% appended\n"), "批复.pdf")},
                        content_type="multipart/form-data").get_json()
    assert tampered["match"] is None and tampered["verdict"] != "authentic"
    missing = api.get("documents/verify", "office", query_string={"number": "云信办〔1999〕1号"}).get_json()
    assert missing["verdict"] == "not_found" and missing["ok"] is False


def test_the_api_refuses_what_is_not_a_readable_pdf_with_the_reason(api):
    for data in (b"plain text", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"):
        response = api.post("documents/verify", "office", data={"file": (io.BytesIO(data), "x.pdf")},
                            content_type="multipart/form-data")
        body = assert_error(response, 422, "invalid")
        assert body["fields"]["file"]
