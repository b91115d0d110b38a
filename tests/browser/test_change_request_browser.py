"""An extension (延期申请) in a real browser, in Chinese: the agency asks from its project's page
with material, the Office reviews from its inbox, the leader approves, and the project's page
shows the new acceptance date and what changed."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Project
from tests import factories
from tests.browser.conftest import act

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
pytestmark = pytest.mark.browser


def stage(page) -> str:
    return page.locator(".page-head .badge").first.inner_text()


def test_an_extension_is_requested_reviewed_and_approved(sign_in, screenshot, live_server, tmp_path):
    with live_server.app.app_context():
        pid = factories.project("wuhua_applicant", name="五华区延期演示平台")
        old_end = db.session.get(Project, pid).ends_on
    new_end = (old_end + timedelta(days=120)).isoformat()

    applicant = sign_in("wuhua_applicant")
    applicant.goto(f"/projects/{pid}")
    assert old_end.isoformat() in applicant.get_by_test_id("acceptance-due").inner_text()
    applicant.get_by_test_id("request-change").click()
    applicant.select_option("#f-change_type", "extension")
    applicant.fill("#f-reason", "核心设备到货延迟三个月")
    applicant.fill("#f-new_ends_on", new_end)
    applicant.select_option("#f-kind", "evidence")
    material = tmp_path / "延期说明.pdf"
    material.write_bytes(PDF)
    applicant.set_input_files("#f-file", str(material))
    screenshot(applicant, "change-01-form")
    applicant.get_by_role("button", name="提交变更申请").click()
    applicant.wait_for_url(re.compile(r"/changes/\d+$"))
    change_url = applicant.url
    assert stage(applicant) == "待审核"
    assert applicant.get_by_role("link", name="延期说明.pdf").is_visible()

    office = sign_in("office")
    office.goto("/inbox")
    office.get_by_role("link", name=re.compile("五华区延期演示平台")).first.click()
    office.wait_for_url(re.compile(r"/changes/\d+$"))
    act(office, "review", "理由充分，报领导审批")
    assert stage(office) == "待领导审批"

    leader = sign_in("leader")
    leader.goto(change_url)
    screenshot(leader, "change-02-leader")
    act(leader, "approve", "同意延期")
    assert stage(leader) == "已批准"

    applicant.goto(f"/projects/{pid}")
    assert new_end in applicant.get_by_test_id("acceptance-due").inner_text()
    assert f"建设周期 {old_end.isoformat()} → {new_end}" in applicant.get_by_test_id("applied-change").inner_text()
    screenshot(applicant, "change-03-project")
