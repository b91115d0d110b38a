"""From filing to 立项 in a real browser, in Chinese, each step by the person whose job it is."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import act

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
pytestmark = pytest.mark.browser


def stage(page) -> str:
    return page.locator(".page-head .badge").first.inner_text()


def test_an_application_goes_from_filing_to_project_approval(sign_in, screenshot, tmp_path):
    # 申报单位 files a draft with its construction plan, and submits it
    applicant = sign_in("wuhua_applicant")
    applicant.get_by_role("link", name="新建申报").click()
    applicant.fill("#f-name", "五华区社区综合服务信息平台")
    applicant.select_option("#f-category", "online_service")
    applicant.select_option("#f-domain", "social_security")
    applicant.fill("#f-requested_budget", "120.5")
    applicant.fill("#f-construction_months", "18")
    applicant.fill("#f-contact_name", "刘洋")
    applicant.fill("#f-contact_phone", "0871-65123456")
    applicant.fill("#f-objectives", "提高社区办事效率")
    applicant.fill("#f-content", "建设社区综合服务系统")
    applicant.fill("#f-expected_benefits", "群众少跑腿")
    applicant.select_option("#f-plan_item_id", index=6)
    screenshot(applicant, "01-application-form")
    applicant.get_by_role("button", name="保存草稿").click()
    applicant.wait_for_url(re.compile(r"/applications/\d+$"))
    detail_url = applicant.url
    assert stage(applicant) == "草稿"
    plan = tmp_path / "建设方案.pdf"
    plan.write_bytes(PDF)
    applicant.set_input_files("#f-file", str(plan))
    applicant.get_by_role("button", name="上传", exact=True).click()
    assert applicant.get_by_role("link", name="建设方案.pdf").is_visible()
    screenshot(applicant, "02-draft-with-attachment")
    act(applicant, "submit")
    assert stage(applicant) == "逐级上报"

    # 五华区 IT office endorses from its inbox
    county = sign_in("wuhua_office")
    screenshot(county, "03-inbox-county-office")
    county.get_by_role("link", name="五华区社区综合服务信息平台").click()
    act(county, "endorse", "同意推荐上报", ranking=1)

    # 昆明市 IT office endorses with the batch desk (汇总上报)
    prefecture = sign_in("kunming_office")
    prefecture.get_by_role("link", name="汇总上报").click()
    row = prefecture.locator("tr", has_text="五华区社区综合服务信息平台")
    assert row.locator("input[name='pick']").is_checked()
    row.locator("input[type=number]").fill("1")
    prefecture.fill("#f-opinion", "同意汇总上报")
    screenshot(prefecture, "04-batch-endorsement")
    prefecture.get_by_role("button", name="汇总上报所勾选的申报").click()
    assert "已推荐上报 1 个申报" in prefecture.locator(".flash.success").inner_text()

    # 省信息办 returns it for revision
    office = sign_in("office")
    office.goto(detail_url)
    assert stage(office) == "初审"
    act(office, "return_for_revision", "请补充预算明细")
    assert stage(office) == "初审退回修改"

    # the applicant revises and resubmits
    applicant.goto(detail_url)
    assert "请补充预算明细" in applicant.locator("ol.timeline").inner_text()
    applicant.get_by_role("link", name="修改", exact=True).click()
    applicant.fill("#f-content", "建设社区综合服务系统；预算明细见附件")
    applicant.get_by_role("button", name="保存修改").click()
    act(applicant, "resubmit", "已补充预算明细")
    assert stage(applicant) == "初审"

    # 初审 passes, the leader approves
    office.goto(detail_url)
    act(office, "pass_initial_review", "材料齐全，符合规划")
    leader = sign_in("leader")
    leader.goto(detail_url)
    act(leader, "leader_approve", "同意进入复审")
    assert stage(leader) == "复审"

    # three joint reviewers give their opinions, the office concludes
    for username in ("fgw", "czt", "xxb"):
        reviewer = sign_in(username)
        reviewer.goto(detail_url + "/re-review")
        act(reviewer, "record_joint_opinion", f"{username}：同意立项", recommendation="approve")
    office.goto(detail_url + "/re-review")
    assert office.locator("text=待填写").count() == 0
    screenshot(office, "05-re-review-opinions")
    act(office, "re_review_approve", "复审通过")

    # the leader approves the project (立项) within the batch quota
    leader.goto(detail_url)
    assert stage(leader) == "待立项"
    act(leader, "approve_project", "批准立项", approved_budget="100", construction_months="12")
    assert stage(leader) == "已立项"
    assert leader.locator("svg [aria-current='step']").get_attribute("data-state") == "approved"
    timeline = leader.locator("ol.timeline").inner_text()
    for words in ("同意推荐上报", "同意汇总上报", "请补充预算明细", "已补充预算明细", "czt：同意立项", "批准立项"):
        assert words in timeline
    screenshot(leader, "06-approved-application-detail")
    leader.get_by_role("link", name="名额看板").click()
    assert re.search(r"\b1 / 50\b", leader.locator("main").inner_text())
    screenshot(leader, "07-quota-board")

    applicant.get_by_role("link", name=re.compile("消息通知")).click()
    assert applicant.locator("tbody tr").count() >= 8
    screenshot(applicant, "08-notifications")
