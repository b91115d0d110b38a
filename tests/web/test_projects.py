"""Project pages: the project's page, yearly mid-term checks with rectification, the
acceptance request and the follow-on funding request beside the agency's evaluations."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import Acceptance, FundingRequest, MidtermCheck, Project
from tests import factories as f
from tests.web.web_client import User as Browser


def _check_id(project_id: int) -> int:
    return db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))


def test_applicant_lists_only_their_agencys_projects(app):
    mine = f.project("wuhua_applicant")
    f.project("dali_applicant", name="大理农业补贴信息系统")
    page = Browser(app, "wuhua_applicant").get("/projects/")
    assert page.status_code == 200
    assert f'/projects/{mine}"' in page.text
    assert "大理农业补贴信息系统" not in page.text


def test_other_agencies_and_unrelated_experts_get_404(app):
    project_id = f.project("wuhua_applicant")
    year = clock.today().year
    office = Browser(app, "office")
    assert office.post("/projects/checks/open", {"year": str(year), "confirmed": "yes"}).status_code == 302
    check_id = _check_id(project_id)
    for who in ("dali_applicant", "expert3", "qujing_office"):
        b = Browser(app, who)
        assert b.get(f"/projects/{project_id}").status_code == 404, who
        assert b.get(f"/projects/checks/{check_id}").status_code == 404, who


def test_midterm_check_with_rectification_then_acceptance_request(app):
    project_id = f.project("wuhua_applicant")
    year = clock.today().year
    office, applicant = Browser(app, "office"), Browser(app, "wuhua_applicant")

    assert applicant.post("/projects/checks/open", {"year": str(year)}).status_code == 403
    r = office.post("/projects/checks/open", {"year": str(year), "confirmed": "yes"}, follow_redirects=True)
    assert r.status_code == 200 and "1" in r.text
    check_id = _check_id(project_id)

    page = applicant.get(f"/projects/{project_id}")
    assert f"/projects/checks/{check_id}" in page.text and str(year) in page.text

    check_page = applicant.get(f"/projects/checks/{check_id}")
    assert 'data-trigger="submit_progress_report"' in check_page.text
    assert 'data-trigger="pass_check"' not in check_page.text  # the office's decision, not theirs
    assert applicant.act("midterm_check", check_id, "submit_progress_report",
                         {"report": "完成需求分析与系统开发。", "next": f"/projects/checks/{check_id}"}).status_code == 302

    deadline = (clock.today() + timedelta(days=30)).isoformat()
    office_page = office.get(f"/projects/checks/{check_id}")
    assert 'data-trigger="order_rectification"' in office_page.text
    # the deadline is required: the form comes back with the error beside the field
    r = office.act("midterm_check", check_id, "order_rectification", {"opinion": "进度滞后"})
    assert r.status_code == 422 and f'id="f-midterm_check-{check_id}-order_rectification-deadline-error"' in r.text
    today = clock.today()  # the date input offers the deadline's window: tomorrow to a year ahead
    assert f'type="date" value="" min="{today + timedelta(days=1)}" max="{today + timedelta(days=366)}"' in r.text
    assert office.act("midterm_check", check_id, "order_rectification",
                      {"opinion": "进度滞后，限期整改。", "deadline": deadline}).status_code == 302

    page = applicant.get(f"/projects/checks/{check_id}")
    assert deadline in page.text and "进度滞后，限期整改。" in page.text
    # acceptance cannot be requested while the check is open
    assert 'data-trigger="request_acceptance"' not in applicant.get(f"/projects/{project_id}").text
    assert applicant.act("midterm_check", check_id, "submit_rectification",
                         {"report": "已增加开发人员，进度已追上。"}).status_code == 302
    assert office.act("midterm_check", check_id, "pass_check", {"opinion": "整改到位，检查通过。"}).status_code == 302
    page = applicant.get(f"/projects/{project_id}")
    assert "已增加开发人员" in page.text and 'data-state="passed"' in page.text

    assert 'data-trigger="request_acceptance"' in page.text
    r = applicant.act("project", project_id, "request_acceptance", {"summary": "已按批复完成全部建设内容。",
                                                                     **f.acceptance_files()})
    assert r.status_code == 302
    acc = db.session.scalar(sa.select(Acceptance).where(Acceptance.project_id == project_id))
    assert acc.summary == "已按批复完成全部建设内容。"
    db.session.expire_all()
    assert db.session.get(Project, project_id).state.value == "acceptance"
    assert f"/acceptances/{acc.id}" in applicant.get(f"/projects/{project_id}").text


def test_funding_request_shows_the_agencys_evaluation_history(app):
    project_id, _ev = f.graded("wuhua_applicant", score="88")
    applicant = Browser(app, "wuhua_applicant", lang="en")
    page = applicant.get(f"/projects/{project_id}/funding")
    assert page.status_code == 200
    assert "88.00" in page.text and 'data-state="good"' in page.text

    bad = applicant.post(f"/projects/{project_id}/funding", {"amount": "", "purpose": "推广到全市"})
    assert bad.status_code == 422 and 'id="f-amount-error"' in bad.text
    ok = applicant.post(f"/projects/{project_id}/funding", {"amount": "50", "purpose": "推广到全市"})
    assert ok.status_code == 302
    assert db.session.scalar(sa.select(FundingRequest.amount).where(FundingRequest.project_id == project_id)) == 50
    assert "推广到全市" in applicant.get(f"/projects/{project_id}").text
    # the office may read the page but only the agency files requests
    assert Browser(app, "office").post(f"/projects/{project_id}/funding",
                                       {"amount": "5", "purpose": "x"}).status_code == 403


def test_project_page_is_in_chinese_by_default_and_english_on_request(app):
    project_id = f.project("wuhua_applicant")
    zh = Browser(app, "wuhua_applicant").get(f"/projects/{project_id}")
    en = Browser(app, "wuhua_applicant", lang="en").get(f"/projects/{project_id}")
    assert "建设中" in zh.text  # state labels come from the flows in the user's language
    assert "Under construction" in en.text
