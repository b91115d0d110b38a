"""Materials and ranking over HTTP: the acceptance request as multipart (unknown parts refused,
the required materials named), the materials' list and download scoped to the stage's readers,
the office's ranking and re-ranking (409 naming the holder, nothing written)."""
from __future__ import annotations

import io

import sqlalchemy as sa

from app.demo.materials import pdf
from app.extensions import db
from app.models import Acceptance, AuditRecord, Material
from app.sizes import file_size
from tests import factories as f
from tests.api.conftest import assert_error
from tests.services.test_materials import _ready_for_acceptance


def _request(api, project_id: int, parts: dict, as_="wuhua_applicant"):
    version = api.get(f"projects/{project_id}", "wuhua_applicant").get_json()["version"]
    return api.post(f"projects/{project_id}/actions/request_acceptance", as_,
                    data={"version": str(version), "summary": "已完成建设", **parts}, content_type="multipart/form-data")


def test_the_acceptance_request_takes_multipart_materials_and_names_the_missing_ones(api, client):
    project_id = _ready_for_acceptance()
    spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/projects/{entity_id}/actions/request_acceptance"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"] and "financial_audit" in op["description"]
    missing = _request(api, project_id, {"materials.completion_report": (io.BytesIO(pdf("c")), "竣工报告.pdf")})
    named = assert_error(missing, 422, "invalid")["fields"]["materials"]
    assert "Financial audit report" in named and "Completion report" not in named
    unknown = _request(api, project_id, {**f.acceptance_files(), "surprise": "x"})
    assert "surprise" in assert_error(unknown, 422, "invalid")["fields"]
    json_only = api.act("projects", project_id, "request_acceptance", "wuhua_applicant", summary="完成")
    assert "materials" in assert_error(json_only, 422, "invalid")["fields"]
    assert db.session.scalar(sa.select(sa.func.count(Acceptance.id))) == 0
    bad = _request(api, project_id, {**f.acceptance_files(),
                                     "materials.test_report": (io.BytesIO(b"MZ\x90\x00"), "测试.pdf")})
    assert "materials.test_report" in assert_error(bad, 422, "invalid")["fields"]
    assert db.session.scalar(sa.select(sa.func.count(Material.id)).where(Material.stage == "acceptance")) == 0

    done = _request(api, project_id, f.acceptance_files())
    assert done.status_code == 200, done.get_json()
    acc_id = done.get_json()["created"]["id"]
    listed = api.get(f"acceptances/{acc_id}/materials", "office").get_json()
    assert sorted(m["kind"] for m in listed) == ["completion_report", "financial_audit"]
    assert all(m["size_text"] == file_size(m["size"]) for m in listed)
    download = api.get(f"materials/{listed[0]['id']}", "office")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert_error(api.get(f"materials/{listed[0]['id']}", "dali_applicant"), 404, "not_found")
    assert_error(api.get(f"acceptances/{acc_id}/materials", "dali_applicant"), 404, "not_found")


def test_the_office_ranking_and_re_ranking(api):
    first, second = f.submitted(name="第一个试点平台"), f.submitted(name="第二个试点平台")
    items = [{"id": a, "ranking": r, "version": api.get(f"applications/{a}", "wuhua_office").get_json()["version"]}
             for a, r in ((first, 1), (second, 2))]
    assert api.post("endorsements", "wuhua_office", json={"opinion": "同意", "items": items}).status_code == 200
    ranking = api.get("endorsements/ranking", "wuhua_office").get_json()
    assert [(e["application_id"], e["ranking"], e["re_rankable"]) for e in ranking] == [(first, 1, True), (second, 2, True)]
    before = db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))
    clash = api.post("endorsements/ranking", "wuhua_office", json={"items": [{"id": second, "ranking": 1}]})
    assert "第一个试点平台" in assert_error(clash, 409, "conflict")["message"]
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id))) == before
    assert_error(api.post("endorsements/ranking", "wuhua_applicant", json={"items": [{"id": first, "ranking": 3}]}),
                 403, "forbidden")
    assert "items" in assert_error(api.post("endorsements/ranking", "wuhua_office", json={"items": []}),
                                   422, "invalid")["fields"]
    swapped = api.post("endorsements/ranking", "wuhua_office", json={"opinion": "调整", "items": [
        {"id": first, "ranking": 2}, {"id": second, "ranking": 1}]})
    assert swapped.status_code == 200
    assert [(e["application_id"], e["ranking"]) for e in swapped.get_json()] == [(second, 1), (first, 2)]
    second_batch_endorsement = api.post("endorsements", "wuhua_office", json={"opinion": "同意", "items": [
        {"id": f.submitted(name="第三个试点平台"), "ranking": 1, "version": 2}]})
    assert second_batch_endorsement.status_code in (409,)


def test_a_multipart_version_of_other_than_ascii_digits_is_a_field_error(api):
    project_id = _ready_for_acceptance()
    for version in ("²", "١٢", "①", "abc"):  # '²'.isdigit() and '١٢'.isdigit() hold, yet only int('١٢') works
        refused = api.post(f"projects/{project_id}/actions/request_acceptance", "wuhua_applicant",
                           data={"version": version, "summary": "已完成建设", **f.acceptance_files()},
                           content_type="multipart/form-data")
        assert assert_error(refused, 422, "invalid")["fields"] == {"version": "Not a valid integer."}, version
    assert db.session.scalar(sa.select(sa.func.count(Acceptance.id))) == 0
