"""Attachments over HTTP: multipart upload, download with the original name, removal."""
from __future__ import annotations

import io

from tests import factories
from tests.api.conftest import assert_error
from tests.services.test_attachments import PDF


def _upload(api, app_id, content=PDF, name="建设方案.pdf", kind="construction_plan", as_="wuhua_applicant"):
    return api.post(f"applications/{app_id}/attachments", as_,
                    data={"kind": kind, "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_upload_list_download_and_remove(api):
    app_id = factories.draft()
    response = _upload(api, app_id)
    assert response.status_code == 201, response.get_json()
    att = response.get_json()
    assert (att["display_name"], att["content_type"], att["size"]) == ("建设方案.pdf", "application/pdf", len(PDF))
    assert api.get(f"applications/{app_id}/attachments", "office").get_json() == [att]
    assert api.get(f"applications/{app_id}", "wuhua_applicant").get_json()["attachments"] == [att]

    download = api.get(f"applications/{app_id}/attachments/{att['id']}", "office")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "filename*=UTF-8''%E5%BB%BA" in download.headers["Content-Disposition"]

    assert api.delete(f"applications/{app_id}/attachments/{att['id']}", "wuhua_applicant").status_code == 204
    assert api.get(f"applications/{app_id}/attachments", "wuhua_applicant").get_json() == []
    assert_error(api.get(f"applications/{app_id}/attachments/{att['id']}", "office"), 404, "not_found")


def test_wrong_type_empty_file_and_missing_parts_are_422_per_field(api):
    app_id = factories.draft()
    assert "file" in assert_error(_upload(api, app_id, content=b"#!/bin/sh\nrm -rf /\n", name="x.pdf"),
                                  422, "invalid")["fields"]
    assert "file" in assert_error(_upload(api, app_id, content=b""), 422, "invalid")["fields"]
    assert "kind" in assert_error(_upload(api, app_id, kind="selfie"), 422, "invalid")["fields"]
    missing = api.post(f"applications/{app_id}/attachments", "wuhua_applicant", data={"kind": "budget"},
                       content_type="multipart/form-data")
    assert "file" in assert_error(missing, 422, "invalid")["fields"]


def test_other_agencies_cannot_upload_or_download(api):
    app_id = factories.draft("wuhua_applicant")
    att_id = _upload(api, app_id).get_json()["id"]
    assert_error(_upload(api, app_id, as_="dali_applicant"), 404, "not_found")
    assert_error(_upload(api, app_id, as_="office"), 403, "forbidden")
    assert_error(api.get(f"applications/{app_id}/attachments/{att_id}", "dali_applicant"), 404, "not_found")


def test_a_submitted_application_takes_no_more_attachments(api):
    app_id = factories.submitted()
    assert_error(_upload(api, app_id), 409, "conflict")
