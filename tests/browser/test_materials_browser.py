"""Materials in a real browser, in Chinese: the agency requests acceptance with its 竣工报告 and
财务审计报告 (the form names what is missing first), and a panel expert downloads one from the
scoring page; an expert of no panel of the project gets 404."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.demo.materials import pdf
from tests.browser.conftest import act, open_action

pytestmark = pytest.mark.browser


def _db(live_server, fn):
    from app.extensions import db

    with live_server.app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def test_the_agency_hands_in_materials_and_a_panel_expert_downloads_one(sign_in, screenshot, live_server, tmp_path):
    from app.models import Acceptance, Material
    from tests import factories as f
    from tests.services.test_materials import _ready_for_acceptance

    project_id = _db(live_server, lambda _s: _ready_for_acceptance())
    completion, audit_report = tmp_path / "竣工报告.pdf", tmp_path / "财务审计报告.pdf"
    completion.write_bytes(pdf("Completion report"))
    audit_report.write_bytes(pdf("Financial audit report"))

    # the agency forgets the audit report: the form says which material is missing
    applicant = sign_in("wuhua_applicant")
    applicant.goto(f"/projects/{project_id}")
    form = open_action(applicant, "request_acceptance")
    form.locator("[name='summary']").fill("已按批复完成全部建设内容。")
    form.locator("[name='materials.completion_report']").set_input_files(str(completion))
    form.locator("button[type=submit]").click()
    applicant.wait_for_load_state()
    assert "财务审计报告" in applicant.locator("main").inner_text()
    screenshot(applicant, "materials-01-missing-audit-report")

    applicant.goto(f"/projects/{project_id}")
    act(applicant, "request_acceptance", summary="已按批复完成全部建设内容。",
        **{"materials.completion_report": completion, "materials.financial_audit": audit_report})
    assert applicant.locator(".page-head .badge").first.inner_text() == "验收中"

    acc_id = _db(live_server, lambda s: s.scalar(sa.select(Acceptance.id).where(Acceptance.project_id == project_id)))
    seated = _db(live_server, lambda _s: [u.username for u, _chair in f.panel(acc_id)])
    outsider = next(n for n in (f"expert{i}" for i in range(1, 10)) if n not in seated)

    expert = sign_in(seated[0])
    expert.goto(f"/acceptances/{acc_id}")
    materials = expert.locator("[data-testid='materials']")
    assert "财务审计报告.pdf" in materials.inner_text() and "竣工报告.pdf" in materials.inner_text()
    screenshot(expert, "materials-02-scoring-page-with-materials")
    with expert.expect_download() as download:
        materials.get_by_role("link", name="财务审计报告.pdf").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == audit_report.read_bytes()

    material_id = _db(live_server, lambda s: s.scalar(sa.select(Material.id).where(
        Material.stage == "acceptance", Material.stage_id == acc_id, Material.kind == "financial_audit")))
    stranger = sign_in(outsider)
    response = stranger.goto(f"/projects/materials/{material_id}")
    assert response.status == 404 and re.search(r"404|找不到|不存在", stranger.locator("body").inner_text())
