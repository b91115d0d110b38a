"""A follow-on funding request in a real browser, in Chinese: the agency files it with its funding
plan, the Office reviews it beside the project's evaluations and the agency's grades, the leader
overrides the 不合格 grade in writing and approves part of the amount, and the 后续资金批复 is issued."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from app.models import Project
from tests import factories as f
from tests.browser.conftest import act

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
pytestmark = pytest.mark.browser


def stage(page) -> str:
    return page.locator(".page-head .badge").first.inner_text()


def _graded_project(live_server) -> tuple[int, str]:
    """A project graded 不合格, walked there by the services in a thread of its own (signing the
    acceptance report runs asyncio, which Playwright's loop in this thread would refuse)."""
    from app.extensions import db

    found = {}

    def walk():
        with live_server.app.app_context():
            try:
                project_id, _ = f.graded("wuhua_applicant", score="50")
                name = db.session.scalar(sa.select(Project.name).where(Project.id == project_id))
                found["project"] = (project_id, name)
            finally:
                db.session.remove()

    thread = threading.Thread(target=walk)
    thread.start()
    thread.join()
    return found["project"]


def test_a_funding_request_from_filing_to_the_decision(sign_in, screenshot, live_server, tmp_path):
    project_id, name = _graded_project(live_server)

    # 申报单位 files from its project's page, with its funding plan
    applicant = sign_in("wuhua_applicant")
    applicant.goto(f"{live_server.url}/projects/{project_id}")
    applicant.get_by_role("link", name="申请后续资金").click()
    applicant.fill("#f-amount", "0")
    applicant.fill("#f-purpose", "在全市推广应用")
    applicant.get_by_role("button", name="提交申请").click()
    assert applicant.locator("#f-amount-error").is_visible()  # refused, nothing filed
    applicant.fill("#f-amount", "80")
    plan = tmp_path / "资金使用计划.pdf"
    plan.write_bytes(PDF)
    applicant.set_input_files("#f-file", str(plan))
    screenshot(applicant, "funding-01-form")
    applicant.get_by_role("button", name="提交申请").click()
    applicant.wait_for_url(re.compile(r"/funding/\d+$"))
    request_url = applicant.url
    assert stage(applicant) == "待审核"
    assert applicant.get_by_role("link", name="资金使用计划.pdf").is_visible()

    # 省信息办 reviews it beside the project's evaluations and the agency's grades
    office = sign_in("office")
    office.get_by_role("link", name=re.compile(name)).first.click()
    assert office.url == request_url
    assert "本项目历次绩效评估" in office.locator("main").inner_text()
    assert office.locator("[data-testid='grade-block']").is_visible()
    screenshot(office, "funding-02-office-review")
    act(office, "pass_funding_review", "材料齐全，报领导决定")
    assert stage(office) == "待领导决定"

    # the leader may not approve before overriding the grade in writing, then approves 60 of 80
    leader = sign_in("leader")
    leader.goto(request_url)
    assert leader.locator(".action[data-trigger='approve_funding']").count() == 0
    act(leader, "override_grade_block", "项目已完成整改，同意特批")
    act(leader, "approve_funding", "同意安排后续资金", approved_amount="60")
    assert stage(leader) == "已批准"
    assert leader.locator("[data-testid='approved']").inner_text() == "60.00"
    assert "后续资金批复" in leader.locator("main").inner_text()
    screenshot(leader, "funding-03-approved")
    applicant.goto(request_url)
    assert "项目已完成整改，同意特批" in applicant.locator("main").inner_text()
