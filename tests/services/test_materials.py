"""Materials at every stage: typed files with the progress report, the rectification report, the
acceptance request (竣工报告 and 财务审计报告 required) and the self-evaluation — stored like
application attachments, refused with the same errors, nothing written on a refusal, and seen
only by whoever may see the stage (a panel expert: only their own panels)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.demo.materials import acceptance_materials, material, pdf
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Acceptance, AuditRecord, Material, MidtermCheck, Project
from app.schemas import FilePart
from app.services.commands import checks, materials, perform, projects
from app.services.commands.attachments import storage_path
from tests import factories as f
from workflows.project import ProjectState


def _ready_for_acceptance() -> int:
    project_id = f.project()
    with transaction():
        checks.open_checks(f.user("office"), clock.today().year)
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))
    with transaction():
        checks.submit_progress_report(f.user("wuhua_applicant"), check_id, {
            "report": "进展顺利", "materials": [material("progress_report", "Progress", "进展报告.pdf"),
                                            material("test_report", "Tests", "测试报告.pdf")]})
    with transaction():
        checks.pass_check(f.user("office"), check_id, {"opinion": "通过"})
    return project_id


def _counts() -> tuple[int, int, int]:
    return (db.session.scalar(sa.select(sa.func.count(Material.id))),
            db.session.scalar(sa.select(sa.func.count(AuditRecord.id))),
            db.session.scalar(sa.select(sa.func.count(Acceptance.id))))


def _request(project_id: int, parts: list[FilePart]):
    with transaction():
        return projects.request_acceptance(f.user("wuhua_applicant"), project_id,
                                           {"summary": "已完成建设", "materials": parts})


def test_the_progress_report_keeps_its_typed_files_in_the_checks_history(app):
    project_id = _ready_for_acceptance()
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))
    found = materials.list_materials(f.user("office"), "midterm_check", check_id)
    assert [(m.kind, m.display_name, m.trigger) for m in found] == [
        ("progress_report", "进展报告.pdf", "submit_progress_report"),
        ("test_report", "测试报告.pdf", "submit_progress_report")]
    assert all(storage_path(m.sha256).is_file() and m.content_type == "application/pdf" for m in found)
    attached = db.session.scalars(sa.select(AuditRecord.payload).where(
        AuditRecord.entity_type == "midterm_check", AuditRecord.entity_id == check_id,
        AuditRecord.trigger == "attach")).all()
    assert sorted(p["kind"] for p in attached) == ["progress_report", "test_report"]


@pytest.mark.parametrize("kinds, missing", [
    ((), ("竣工报告", "财务审计报告")),
    (("completion_report",), ("财务审计报告",)),
    (("financial_audit", "test_report"), ("竣工报告",)),
])
def test_an_acceptance_request_without_its_required_materials_names_them_and_writes_nothing(app, kinds, missing):
    project_id = _ready_for_acceptance()
    before = _counts()
    with pytest.raises(Invalid) as refused:
        _request(project_id, [material(k, k) for k in kinds])
    message = refused.value.errors["materials"]
    assert all(name in message for name in missing), message
    assert _counts() == before
    db.session.expire_all()
    assert db.session.get(Project, project_id).state == ProjectState.UNDER_CONSTRUCTION


@pytest.mark.parametrize("content, error", [
    (b"#!/bin/sh\necho not a report\n", "只接受 PDF、Word、Excel、JPEG、PNG 和 ZIP 文件。"),
    (b"", "文件为空。"),
])
def test_a_bad_file_is_refused_like_an_application_attachment_and_nothing_is_written(app, content, error):
    project_id = _ready_for_acceptance()
    before = _counts()
    parts = [acceptance_materials()[0], FilePart("financial_audit", "审计.pdf", io.BytesIO(content))]
    with pytest.raises(Invalid) as refused:
        _request(project_id, parts)
    assert refused.value.errors == {"materials.financial_audit": error}
    assert _counts() == before


@pytest.mark.app_config(UPLOAD_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused(app):
    project_id = _ready_for_acceptance()
    big = FilePart("financial_audit", "审计.pdf", io.BytesIO(pdf("x") + b"%" * 2000))
    with pytest.raises(Invalid) as refused:
        _request(project_id, [acceptance_materials()[0], big])
    assert "文件超过" in refused.value.errors["materials.financial_audit"]


def test_unknown_kinds_and_json_values_are_refused_before_anything_is_read(app):
    project_id = _ready_for_acceptance()
    with pytest.raises(Invalid) as unknown:
        _request(project_id, [*acceptance_materials(), material("selfie", "me")])
    assert "selfie" in unknown.value.errors["materials"]
    with pytest.raises(Invalid) as as_text, transaction():
        perform(f.user("wuhua_applicant"), "project", project_id, "request_acceptance",
                {"summary": "完成", "materials": ["竣工报告.pdf", "财务审计报告.pdf"]})
    assert "multipart" in as_text.value.errors["materials"]


def test_a_stranger_may_hand_in_nothing_and_no_file_is_kept(app):
    project_id = _ready_for_acceptance()
    before = _counts()
    with pytest.raises(NotFound), transaction():
        projects.request_acceptance(f.user("dali_applicant"), project_id,
                                    {"summary": "冒名", "materials": acceptance_materials("stranger")})
    assert _counts() == before


def test_only_the_experts_of_the_rounds_panel_see_and_download_its_materials(app):
    project_id = _ready_for_acceptance()
    acc = _request(project_id, acceptance_materials("平台"))
    acc_id = acc.id
    handed_in = materials.list_materials(f.user("wuhua_applicant"), "acceptance", acc_id)
    assert sorted(m.kind for m in handed_in) == ["completion_report", "financial_audit"]
    seated = {u.username for u, _chair in f.panel(acc_id)}
    outsider = next(name for name in (f"expert{i}" for i in range(1, 10)) if name not in seated)
    expert = f.user(sorted(seated)[0])
    found, path = materials.open_material(expert, handed_in[0].id)
    assert path.read_bytes().startswith(b"%PDF-") and found.kind == handed_in[0].kind
    assert [m.id for m in materials.list_materials(expert, "acceptance", acc_id)] == [m.id for m in handed_in]
    for stranger in (f.user(outsider), f.user("dali_applicant")):
        with pytest.raises(NotFound):
            materials.open_material(stranger, handed_in[0].id)
        with pytest.raises(NotFound):
            materials.list_materials(stranger, "acceptance", acc_id)


def test_a_new_acceptance_round_keeps_the_materials_for_its_new_panel(app):
    project_id = _ready_for_acceptance()
    first = _request(project_id, acceptance_materials()).id
    members = f.panel(first)
    for expert, _chair in members:
        with transaction():
            perform(expert, "acceptance", first, "submit_scores", f.full_scores(0.3))
    chair = next(u for u, c in members if c)
    with transaction():
        perform(chair, "acceptance", first, "conclude", {"opinion": "不通过"})
    for expert, _chair in sorted(members, key=lambda m: m[1]):
        with transaction():
            perform(expert, "acceptance", first, "sign_report", {"password": f.DEMO_PASSWORD})
    with transaction():
        perform(f.user("office"), "acceptance", first, "seal_report", {})
    with transaction():
        again = perform(f.user("wuhua_applicant"), "acceptance", first, "request_reacceptance", {"opinion": "已整改"})
    kinds = sorted(m.kind for m in materials.list_materials(f.user("office"), "acceptance", again.id))
    assert kinds == ["completion_report", "financial_audit"]
