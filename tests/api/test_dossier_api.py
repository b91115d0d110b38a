"""POST/GET /api/v1/projects/{id}/dossier, its exports, and POST /api/v1/documents/verify with a
dossier ZIP."""
from __future__ import annotations

import io

import pytest

from app import clock
from app.database import transaction
from app.documents import storage
from app.jobs import queue
from app.services.commands import checks
from tests import factories as f
from tests.api.conftest import assert_error
from tests.documents.test_dossier_adapters import rezip_without


@pytest.mark.usefixtures("factory_jobs")
def test_the_api_requests_the_dossier_and_serves_it_under_the_same_rules(api, app):
    project_id = f.project("wuhua_applicant")
    base = f"projects/{project_id}/dossier"
    assert_error(api.get(base, "office"), 404, "not_found")  # none requested yet
    requested = api.post(base, "office")  # built by its job (in-process here) right after the commit
    export = requested.get_json()
    assert requested.status_code == 202 and export["status"] == "ready" and export["current"]
    assert requested.headers["Location"] == export["links"]["self"] == f"/api/v1/{base}/exports/{export['id']}"
    assert api.post(base, "wuhua_applicant").get_json()["id"] == export["id"]  # unchanged: reused
    assert api.get(f"{base}/exports/{export['id']}", "wuhua_applicant").get_json() == export
    got = api.get(base, "office")
    assert got.status_code == 200 and got.mimetype == "application/zip"
    assert "dossier.zip" in got.headers["Content-Disposition"] and storage.sha256(got.data) == export["sha256"]
    assert api.get(f"{base}/exports/{export['id']}/file", "leader").data == got.data
    for path in (base, f"{base}/exports/{export['id']}", f"{base}/exports/{export['id']}/file"):
        assert_error(api.get(path, "dali_applicant"), 404, "not_found")  # another agency's: never seen
        assert_error(api.get(path, "wuhua_office"), 403, "forbidden")
    assert_error(api.post(base, "dali_applicant"), 404, "not_found")
    assert_error(api.post(base, "wuhua_office"), 403, "forbidden")
    assert_error(api.get(f"projects/{project_id}/dossier/exports/{export['id'] + 1}", "office"), 404, "not_found")

    with transaction():  # the project's record grows: the archive is no longer current
        checks.open_checks(f.user("office"), clock.today().year)
    stale = assert_error(api.get(base, "office"), 409, "conflict")
    assert "Retry-After" not in api.get(base, "office").headers and "again" in stale["message"]
    assert api.get(f"{base}/exports/{export['id']}/file", "office").status_code == 200  # that one stays
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # a queue nobody takes from: the job waits
    queue.init_app(app)
    try:
        pending = api.post(base, "office").get_json()
    finally:
        app.config["REDIS_URL"] = None
        queue.init_app(app)
    assert pending["status"] == "pending" and pending["id"] != export["id"] and pending["sha256"] is None
    building = api.get(base, "office")
    assert building.status_code == 409 and int(building.headers["Retry-After"]) > 0
    assert api.get(pending["links"]["download"].removeprefix("/api/v1/"), "office").status_code == 409

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
