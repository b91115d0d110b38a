"""One project, one dossier (一项目一档): the archive's contents, its seal, and the offline
check naming each member altered, added or removed."""
from __future__ import annotations

import io
import json
import subprocess
import zipfile

import pytest

from app.database import transaction
from app.documents import package, pki
from app.services.documents import dossier, dossier_check
from tests import factories as f
from tests.documents.conftest import flat, pdf_text


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def _rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def archive(app):
    project_id, _ev = f.graded()
    with transaction():
        contents = dossier.collect_for(f.user("office"), project_id)
    return {"project_id": project_id, "contents": contents, "data": dossier.build(contents)}


def test_a_dossier_holds_every_document_attachment_and_the_history_and_passes_verification(archive):
    members = _members(archive["data"])
    documents = sorted(p for p in members if p.startswith("documents/"))
    kinds = {p.rsplit("-", 1)[-1] for p in documents}
    assert {"project_approval.pdf", "midterm_report.pdf", "acceptance_report.pdf", "evaluation_report.pdf"} <= kinds
    assert {package.MANIFEST, package.SIGNATURE, package.CA_CERT, package.README, dossier.HISTORY_PDF,
            dossier.HISTORY_JSON, dossier.AUDIT_JSON} <= set(members)

    report = dossier_check.verify_dossier(archive["data"])
    assert report.ok and report.verdict == "authentic", report.problems
    assert report.seal.valid and "office-seal" in report.seal.signer
    assert all(m.status == "intact" for m in report.members) and len(report.members) == len(members) - 2
    assert {d.verdict for d in report.documents} == {"authentic"} and len(report.documents) == len(documents)
    assert report.audit_checked > 10 and report.audit_failed == []

    text = flat(pdf_text(members[dossier.HISTORY_PDF]))
    assert archive["contents"].name in text and "办理过程记录" in text and "批准立项" in text and "省信息办领导" in text
    history = json.loads(members[dossier.HISTORY_JSON])
    assert history["project"]["项目编号"] == archive["contents"].code
    assert any(h["trigger"] == "confirm_grade" and h["role_code"] == "leader" and h["time"][:2] == "20"
               for h in history["history"])
    manifest = members[package.MANIFEST].decode()
    assert "<封装包>" in manifest and "<数字摘要 算法=\"SHA-256\">" in manifest and 'checkpoints/' in manifest
