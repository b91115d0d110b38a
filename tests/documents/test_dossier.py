"""One project, one dossier (一项目一档): the archive's contents, its seal, and the offline
check naming each member altered, added or removed."""
from __future__ import annotations

import io
import json
import subprocess
import zipfile
from datetime import timedelta

import pytest

from app.database import transaction
from app.documents import package
from app.errors import Invalid
from app.extensions import db
from app.models import Project
from app.services.commands import attachments, changes, funding, perform
from app.services.documents import dossier, dossier_check
from app.services.records import checkpoints
from tests import factories as f
from tests.documents.conftest import flat, pdf_text

PLAN = b"%PDF-1.4\n% construction plan\n"


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def _rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _chinese(line: str) -> bool:
    return sum("\u4e00" <= c <= "\u9fff" for c in line) * 4 > len(line.strip())


def _each_chinese_line_has_its_english(readme: str) -> None:
    """The package's README is Chinese first with complete English: a line mostly in Chinese is a
    heading with its English after " / ", or is followed by its English (a command between)."""
    lines = [line for line in readme.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if _chinese(line) and " / " not in line:
            after = [n for n in lines[i + 1:i + 3] if not n.strip().startswith("openssl")]
            assert after and not _chinese(after[0]), line


@pytest.fixture
def archive(app, monkeypatch):
    """A project through evaluation whose application carried an attachment, and its dossier."""
    drafted = f.draft

    def draft_with_plan(applicant="wuhua_applicant", **overrides):
        app_id = drafted(applicant, **overrides)
        with transaction():
            attachments.add_attachment(f.user(applicant), app_id, "construction_plan", r"C:\Users\刘洋\建设方案.pdf",
                                       io.BytesIO(PLAN))
        return app_id

    monkeypatch.setattr(f, "draft", draft_with_plan)
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
    _each_chinese_line_has_its_english(members[package.README].decode())
    manifest = members[package.MANIFEST].decode()
    assert "<封装包>" in manifest and "<数字摘要 算法=\"SHA-256\">" in manifest and 'checkpoints/' in manifest

    files = [p for p in members if p.startswith("attachments/")]
    assert PLAN in [members[p] for p in files] and "Users" not in "".join(files) and "建设方案.pdf" in manifest
    # the materials handed in with the acceptance request, filed with their kind
    assert "竣工报告.pdf" in manifest and "财务审计报告.pdf" in manifest and len(files) == 3


def _statuses(report) -> dict[str, str]:
    return {m.path: m.status for m in report.members if m.status != "intact"}


def test_an_altered_removed_or_added_member_is_named_and_a_tampered_seal_is_reported(archive):
    members = _members(archive["data"])
    approval = next(p for p in members if p.endswith("project_approval.pdf"))
    attachment = next(p for p in members if p.startswith("attachments/"))

    altered = dict(members)
    altered[approval] = bytes([altered[approval][0] ^ 0x01]) + altered[approval][1:]
    report = dossier_check.verify_dossier(_rezip(altered))
    assert report.verdict == "altered" and _statuses(report) == {approval: "altered"} and report.seal.valid
    assert any(p.startswith(approval) for p in report.problems)

    one_byte = dict(members)
    one_byte[attachment] = PLAN[:-1] + b"!"
    assert _statuses(dossier_check.verify_dossier(_rezip(one_byte))) == {attachment: "altered"}

    removed = {k: v for k, v in members.items() if k != dossier.HISTORY_JSON}
    report = dossier_check.verify_dossier(_rezip(removed))
    assert _statuses(report) == {dossier.HISTORY_JSON: "missing"} and not report.ok

    added = {**members, "documents/2099-0001-project_approval.pdf": members[approval]}
    report = dossier_check.verify_dossier(_rezip(added))
    assert _statuses(report) == {"documents/2099-0001-project_approval.pdf": "added"} and not report.ok

    signature = bytearray(members[package.SIGNATURE])
    signature[-3] ^= 0x01
    report = dossier_check.verify_dossier(_rezip({**members, package.SIGNATURE: bytes(signature)}))
    assert not report.ok and not report.seal.valid and report.problems[0].startswith(package.SIGNATURE)
    assert _statuses(report) == {}

    # A forger who edits the manifest to match an altered file breaks the seal instead.
    forged_pdf = altered[approval]
    manifest = members[package.MANIFEST].replace(
        dossier_check._sha(members[approval]).encode(), dossier_check._sha(forged_pdf).encode())
    report = dossier_check.verify_dossier(_rezip({**members, approval: forged_pdf, package.MANIFEST: manifest}))
    assert not report.seal.valid and not report.seal.covers_data and _statuses(report) == {}
    assert any(d.verdict != "authentic" for d in report.documents)

    # An audit record whose opinion was rewritten no longer hashes to its recorded hash.
    records = json.loads(members[dossier.AUDIT_JSON])
    records["records"][1]["fields"]["opinion"] = "改写的意见"
    report = dossier_check.verify_dossier(_rezip({**members, dossier.AUDIT_JSON: json.dumps(records).encode()}))
    assert report.audit_failed == [records["records"][1]["id"]] and _statuses(report) == {dossier.AUDIT_JSON: "altered"}


def test_the_manifest_signature_checks_offline_with_openssl_and_the_archives_ca(archive, tmp_path):
    with zipfile.ZipFile(io.BytesIO(archive["data"])) as zf:
        zf.extractall(tmp_path)
    result = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                             str(tmp_path / package.SIGNATURE), "-content", str(tmp_path / package.MANIFEST),
                             "-CAfile", str(tmp_path / package.CA_CERT), "-purpose", "any", "-out", "/dev/null"],
                            check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / package.CHECKPOINTS).is_dir() and not any((tmp_path / package.CHECKPOINTS).iterdir())


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("data, reason", [
    (b"PK\x03\x04 not really a zip", "not a readable ZIP"),
    (_zip([("readme.txt", b"hello")]), "no manifest.xml"),
    (_zip([("manifest.xml", b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")]), "DTD"),
    (_zip([("manifest.xml", b"<not-closed")]), "manifest cannot be read"),
    (_zip([("bomb.bin", b"\0" * 3_000_000)]), "unpack to more than"),
    (_zip([(f"m{i}", b"") for i in range(30)]), "more than 20 members"),
])
def test_an_unreadable_or_oversized_zip_is_refused_with_a_reason(app, data, reason):
    app.config.update(DOSSIER_MAX_BYTES=1_000_000, DOSSIER_MAX_MEMBERS=20)
    with pytest.raises(Invalid) as refused:
        dossier_check.verify_data(data)
    assert reason in str(refused.value)


def test_a_forged_archive_is_reported_not_crashed_on(app):
    manifest = package.manifest_xml(package.Manifest(
        "2026-01-01T00:00:00+08:00", "某单位", (("项目编号", "<b>X</b>"),),
        (package.Entry(dossier.AUDIT_JSON, "audit", "0" * 64, 3),), ()))
    data = _zip([(package.MANIFEST, manifest), (package.SIGNATURE, b"\x30\x03\x02\x01\x00"),
                 (dossier.AUDIT_JSON, b'{"records": [{"id": Infinity}]}'), ("../../etc/passwd", b"x")])
    report = dossier_check.verify_data(data)
    assert report.verdict == "altered" and not report.seal.valid and report.project == {"项目编号": "<b>X</b>"}
    assert {m.path: m.status for m in report.members} == {dossier.AUDIT_JSON: "altered", "../../etc/passwd": "added"}
    assert f"{dossier.AUDIT_JSON} cannot be read" in report.problems


def test_a_dossier_carries_the_signed_checkpoint_that_covers_its_audit_records(archive):
    with transaction():
        made = checkpoints.make("manual")
    with transaction():
        contents = dossier.collect_for(f.user("office"), archive["project_id"])
    data = dossier.build(contents)
    members = _members(data)
    line = json.loads(members[dossier.checkpoint_path(made.seq)])
    statement = json.loads(line["statement"])
    assert statement["record_id"] >= max(r["id"] for r in contents.audit_records)
    report = dossier_check.verify_dossier(data)
    assert report.verdict == "authentic" and not report.problems, report.problems


def _dossier(project_id: int) -> tuple[dict[str, bytes], dict, str]:
    with transaction():
        data = dossier.build(dossier.collect_for(f.user("office"), project_id))
    report = dossier_check.verify_dossier(data)
    assert report.ok and report.verdict == "authentic", report.problems
    members = _members(data)
    return members, json.loads(members[dossier.HISTORY_JSON]), members[package.MANIFEST].decode()


def test_a_dossier_holds_the_projects_change_requests_with_their_files_and_decisions(app):
    project_id = f.project()
    evidence = b"%PDF-1.4\n% delay evidence\n"
    end = (db.session.get(Project, project_id).ends_on + timedelta(days=180)).isoformat()
    with transaction():
        cr_id = changes.file_change_request(f.user("wuhua_applicant"), project_id, {
            "change_type": "extension", "reason": "设备到货延迟", "new_ends_on": end},
            [("evidence", "延期证明.pdf", io.BytesIO(evidence))]).id
    for who, trigger in (("office", "review"), ("leader", "approve")):
        with transaction():
            perform(f.user(who), "change_request", cr_id, trigger, {"opinion": "同意"})
    members, history, manifest = _dossier(project_id)
    steps = {(h["item_type"], h["trigger"]) for h in history["history"]}
    assert {("change_request", "create"), ("change_request", "review"), ("change_request", "approve")} <= steps
    assert evidence in members.values() and "延期证明.pdf" in manifest and "证明材料" in manifest
    assert "变更" in flat(pdf_text(members[dossier.HISTORY_PDF]))


def test_a_dossier_holds_the_projects_funding_requests_with_their_files_and_decision(app):
    project_id, _ = f.graded()
    plan = b"%PDF-1.4\n% funding plan\n"
    with transaction():
        request_id = funding.file_funding_request(f.user("wuhua_applicant"), project_id,
                                                  {"amount": "80", "purpose": "全市推广"},
                                                  [("funding_plan", "资金使用计划.pdf", io.BytesIO(plan))]).id
    members, history, manifest = _dossier(project_id)
    assert ("funding_request", request_id) in {(h["item_type"], h["item_id"]) for h in history["history"]}
    assert plan in members.values() and "资金使用计划.pdf" in manifest
