"""The whole lifecycle in a real browser, in Chinese, each step clicked by the person whose job
it is: filing, endorsement at county and prefecture, 初审 with a return and a revision,
leadership approval, joint 复审, 立项, the yearly mid-term check with a rectification,
acceptance by a three-expert panel that scores and signs, performance evaluation, and the
demonstration list. Screenshots of the key pages go to the folder the run prints."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.demo.materials import pdf
from app.demo.seed import DEMO_PASSWORD
from tests.browser.conftest import PHONE, act, open_action
from workflows.acceptance import CRITERIA

pytestmark = pytest.mark.browser


def sign_with_password(page, trigger: str) -> None:
    """Signing: the expert's password unlocks their signing key."""
    form = page.locator(f"form[data-trigger='{trigger}']")
    form.locator("input[name='password']").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1, page.locator("main").inner_text()[:800]


def stage(page) -> str:
    return page.locator(".page-head .badge").first.inner_text()


def _db(live_server, fn):
    from app.extensions import db

    with live_server.app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def test_the_whole_lifecycle_by_each_role_in_turn(sign_in, screenshot, live_server, tmp_path):
    from app.models import Acceptance, Expert, PanelMember, Project, User

    name = f"五华区社区养老服务信息平台-{uuid.uuid4().hex[:6]}"

    # --- 申报: the applicant files and submits ----------------------------------------------
    applicant = sign_in("wuhua_applicant")
    applicant.goto("/applications/new")
    applicant.fill("#f-name", name)
    applicant.select_option("#f-category", "online_service")
    applicant.select_option("#f-domain", "social_security")
    applicant.fill("#f-requested_budget", "150")
    applicant.fill("#f-construction_months", "12")
    applicant.fill("#f-contact_name", "刘洋")
    applicant.fill("#f-contact_phone", "0871-65123456")
    applicant.fill("#f-objectives", "提高养老服务办事效率")
    applicant.fill("#f-content", "建设社区养老服务系统")
    applicant.fill("#f-expected_benefits", "老人少跑腿")
    applicant.select_option("#f-plan_item_id", index=6)
    applicant.get_by_role("button", name="保存草稿").click()
    applicant.wait_for_url(re.compile(r"/applications/\d+$"))
    application_url = applicant.url
    act(applicant, "submit")
    assert stage(applicant) == "逐级上报"

    # --- 逐级上报: county office, then prefecture office -------------------------------------
    for office_user in ("wuhua_office", "kunming_office"):
        endorser = sign_in(office_user)
        endorser.goto(application_url)
        # unranked: the live database is shared by the browser tests, and place 1 of each office's
        # ranking in the batch may already be held (an office's places are unique per batch)
        act(endorser, "endorse", f"{office_user}：同意推荐上报")

    # --- 初审: returned for revision, revised, passed ----------------------------------------
    office = sign_in("office")
    office.goto(application_url)
    assert stage(office) == "初审"
    act(office, "return_for_revision", "请补充养老服务对象数量")
    applicant.goto(application_url)
    act(applicant, "resubmit", "已补充服务对象数量")
    office.goto(application_url)
    act(office, "pass_initial_review", "材料齐全，符合规划")

    # --- 领导审批, 复审, 立项 ------------------------------------------------------------------
    leader = sign_in("leader")
    leader.goto(application_url)
    act(leader, "leader_approve", "同意进入复审")
    for reviewer_name in ("fgw", "czt", "xxb"):
        reviewer = sign_in(reviewer_name)
        reviewer.goto(application_url + "/re-review")
        act(reviewer, "record_joint_opinion", f"{reviewer_name}：同意", recommendation="approve")
    office.goto(application_url + "/re-review")
    act(office, "re_review_approve", "复审通过")
    leader.goto(application_url)
    act(leader, "approve_project", "批准立项", approved_budget="120", construction_months="12")
    assert stage(leader) == "已立项"
    project_id = _db(live_server, lambda s: s.scalar(sa.select(Project.id).where(Project.name == name)))
    project_url = f"/projects/{project_id}"

    # --- 中期检查: the office opens the year's checks; report, rectification, pass ----------
    office.goto("/projects/checks")
    office.locator("form[action='/projects/checks/open'] button[type=submit]").click()
    assert re.search(r"将为 \d+ 个项目启动", office.locator("#bulk-question").inner_text())  # says how many first
    office.locator("main form button[type=submit]").click()
    assert office.locator(".flash.success").count() == 1
    applicant.goto(project_url)
    assert stage(applicant) == "建设中"
    applicant.locator("main a[href^='/projects/checks/']").first.click()
    check_url = applicant.url
    act(applicant, "submit_progress_report", report="已完成需求分析和系统开发，进入试运行。")
    office.goto(check_url)
    deadline = (clock.today() + timedelta(days=30)).isoformat()
    act(office, "order_rectification", "数据共享接口未完成，限期整改。", deadline=deadline)
    assert stage(office) == "整改中"
    applicant.goto(check_url)
    assert deadline in applicant.locator("main").inner_text()
    act(applicant, "submit_rectification", report="已完成与民政数据平台的共享接口。")
    office.goto(check_url)
    act(office, "pass_check", "整改到位，检查通过。")
    assert stage(office) == "检查通过"
    screenshot(office, "lifecycle-01-midterm-check")

    # --- 验收: request, panel of three, scores, conclusion, signatures, seal -----------------
    applicant.goto(project_url)
    completion, audit_report = tmp_path / "竣工报告.pdf", tmp_path / "财务审计报告.pdf"
    completion.write_bytes(pdf("Completion report"))
    audit_report.write_bytes(pdf("Financial audit report"))
    act(applicant, "request_acceptance", summary="已按批复完成全部建设内容，系统稳定运行。",
        **{"materials.completion_report": completion, "materials.financial_audit": audit_report})
    assert stage(applicant) == "验收中"
    screenshot(applicant, "lifecycle-02-project-in-acceptance")
    applicant.locator("main a[href^='/acceptances/']:not([href='/acceptances/'])").first.click()
    acceptance_url = applicant.url
    acc_id = int(acceptance_url.rsplit("/", 1)[1])

    office.goto(acceptance_url)
    act(office, "form_panel", size=3, seed=20260101)
    assert "20260101" in office.locator("[data-testid='draw']").inner_text()
    assert office.locator("[data-testid='excluded'] li").count() >= 1  # 云南大学 sits in 五华区
    screenshot(office, "lifecycle-03-panel-formed-with-seed")

    members = _db(live_server, lambda s: [
        (u, chair) for u, chair in s.execute(
            sa.select(User.username, PanelMember.is_chair).join(Expert, Expert.user_id == User.id)
            .join(PanelMember, PanelMember.expert_id == Expert.id).where(PanelMember.acceptance_id == acc_id)
            .order_by(PanelMember.position)).all()])
    assert len(members) == 3
    pool = _db(live_server, lambda s: list(s.scalars(sa.select(User.username).join(Expert, Expert.user_id == User.id))))
    outsider = sorted(set(pool) - {u for u, _ in members})[0]

    experts = {}
    for username, _chair in members:
        expert = experts[username] = sign_in(username)
        expert.get_by_role("link", name=re.compile("我的评审|My panels")).first.click()
        expert.locator(f"a[href='/acceptances/{acc_id}']").click()
        act(expert, "declare")  # 回避声明 first: no conflict of interest
        box = open_action(expert, "submit_scores")
        for key, _zh, _en, maximum in CRITERIA:
            box.locator(f"[name='scores.{key}.score']").fill(str(round(maximum * 0.9, 1)))
            box.locator(f"[name='scores.{key}.comment']").fill(f"{username}：{key}达到要求")
        if username == members[0][0]:
            screenshot(expert, "lifecycle-04-expert-scoring-form")
        box.locator("button[type=submit]").click()
        assert expert.locator(".flash.success").count() == 1

    chair = next(u for u, c in members if c)
    experts[chair].reload()
    act(experts[chair], "conclude", "专家组一致同意通过验收。")
    assert stage(experts[chair]) == "专家签署验收报告"
    for username, is_chair in sorted(members, key=lambda m: m[1]):  # the chair signs last
        experts[username].reload()
        sign_with_password(experts[username], "sign_report")
    screenshot(experts[chair], "lifecycle-05-acceptance-signed")
    office.goto(acceptance_url)
    act(office, "seal_report")  # the Office's own seal is applied by a job, no person's password
    assert stage(office) == "验收通过"
    screenshot(office, "lifecycle-06-acceptance-sealed")

    # an expert outside the panel gets nothing: 404 for the acceptance and the project
    stranger = sign_in(outsider)
    assert stranger.goto(acceptance_url).status == 404
    assert stranger.goto(project_url).status == 404

    # --- 绩效评估: opened by the office, self-evaluated, scored, graded ----------------------
    period = f"{clock.today().year + 1}H2"  # the project is new: it has no evaluation of any period yet
    office.goto("/evaluations/")
    office.fill("#f-open-period", period)
    office.locator("form[action='/evaluations/open'] button[type=submit]").click()
    assert re.search(r"将为 \d+ 个项目启动", office.locator("#bulk-question").inner_text())
    office.locator("main form button[type=submit]").click()
    assert office.locator(".flash.success").count() == 1
    applicant.goto(project_url)
    assert stage(applicant) == "绩效评估期"
    applicant.locator("main a[href^='/evaluations/']:not([href='/evaluations/'])").first.click()
    evaluation_url = applicant.url
    act(applicant, "submit_self_evaluation", report="系统覆盖全区 120 个社区，运行稳定。")
    office.goto(evaluation_url)
    act(office, "score", "成效显著。", results_score=95, operation_score=90, promotion_score=85)
    leader.goto(evaluation_url)
    act(leader, "confirm_grade", "同意评定为优秀。")
    assert stage(leader) == "已定级"
    assert "优秀" in leader.locator("[data-testid='grade']").inner_text()
    screenshot(leader, "lifecycle-07-evaluation-graded")

    # --- 示范项目: shortlisted, selected, published ------------------------------------------
    leader.goto("/demonstration/")
    row = leader.locator(f"tr[data-project='{project_id}']")
    form = open_action(leader, "select_demonstration", within=row)
    form.locator("textarea[name='opinion']").fill("成效显著，选为示范项目。")
    form.locator("button[type=submit]").click()
    assert leader.locator(".flash.success").count() == 1
    config = live_server.app.config
    low = config["DEMONSTRATION_MIN"]
    selected = _db(live_server, lambda s: s.scalar(sa.select(sa.func.count(Project.id))
                                                   .where(Project.state.in_(("candidate", "demonstration")))))
    config["DEMONSTRATION_MIN"] = selected  # a pilot-sized list: publish what has been selected
    try:
        leader.goto("/demonstration/")
        screenshot(leader, "lifecycle-08-demonstration-shortlist")
        leader.fill("#f-opinion", "发布第一批电子政务示范项目名单，予以公示。")
        leader.locator("form[action='/demonstration/publish'] button[type=submit]").click()
        assert leader.locator(".flash.success").count() == 1
    finally:
        config["DEMONSTRATION_MIN"] = low
    applicant.goto("/demonstration/published")
    assert name in applicant.locator("main").inner_text()
    screenshot(applicant, "lifecycle-09-published-demonstrations")
    applicant.goto(project_url)
    assert stage(applicant) == "拟推荐示范"  # a candidate until the list is confirmed after its 公示
    history = applicant.locator("ol.timeline").inner_text()
    assert "成效显著，选为示范项目。" in history
    screenshot(applicant, "lifecycle-10-project-page")

    # --- the dashboard, charts drawn by the vendored Chart.js ---------------------------------
    requests_out = []
    office.on("request", lambda r: requests_out.append(r.url))
    office.goto("/dashboard/")
    office.wait_for_selector("#chart-prefectures[data-drawn='true']")
    assert office.locator("#chart-days[data-drawn='true']").count() == 1
    assert all(u.startswith(live_server.url) or u.startswith("data:") for u in requests_out), requests_out
    screenshot(office, "lifecycle-11-dashboard")

    acceptance_state = _db(live_server, lambda s: s.get(Acceptance, acc_id).state.value)
    assert acceptance_state == "passed"

    # the programme pages fit a phone without sideways scrolling
    phone = sign_in("office", viewport=PHONE)
    for path in (project_url, acceptance_url, evaluation_url, "/dashboard/", "/demonstration/"):
        phone.goto(path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
    screenshot(phone, "lifecycle-12-phone-demonstration")
