"""GET /api/v1/projects/{id}/dossier and POST /api/v1/documents/verify with a dossier ZIP."""
from __future__ import annotations

import io

from tests import factories as f
from tests.api.conftest import assert_error
from tests.documents.test_dossier_adapters import rezip_without


def test_the_api_serves_the_dossier_under_the_same_rules(api):
    project_id = f.project("wuhua_applicant")
    got = api.get(f"projects/{project_id}/dossier", "office")
    assert got.status_code == 200 and got.mimetype == "application/zip"
    assert "dossier.zip" in got.headers["Content-Disposition"]
    assert_error(api.get(f"projects/{project_id}/dossier", "dali_applicant"), 404, "not_found")
    assert_error(api.get(f"projects/{project_id}/dossier", "wuhua_office"), 403, "forbidden")

    checked = api.post("documents/verify", "dali_applicant", data={"file": (io.BytesIO(got.data), "d.zip")},
                       content_type="multipart/form-data").get_json()
    assert checked["verdict"] == "authentic" and checked["ok"] and checked["dossier"]["seal"]["valid"]
    assert {m["status"] for m in checked["dossier"]["members"]} == {"intact"}
    damaged = rezip_without(got.data, "history/history.pdf")
    checked = api.post("documents/verify", "office", data={"file": (io.BytesIO(damaged), "d.zip")},
                       content_type="multipart/form-data").get_json()
    assert checked["verdict"] == "altered" and not checked["ok"]
    assert {"path": "history/history.pdf", "status": "missing"}.items() <= next(
        m for m in checked["dossier"]["members"] if m["status"] != "intact").items()
    bad = api.post("documents/verify", "office", data={"file": (io.BytesIO(b"PK\x03\x04junk"), "d.zip")},
                   content_type="multipart/form-data")
    assert bad.status_code == 422 and "ZIP" in bad.get_json()["fields"]["file"]
