"""Change request pages: the 申请变更 form on the project page, the list, a request's page with
its material and actions, the project's history saying what an approved change did, and the
refusals (403 with a reason, 404 for what one may not see, nothing written)."""
from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import AuditRecord, ChangeRequest, Project
from tests import factories as f
from tests.web.web_client import User as Browser

PDF = b"%PDF-1.4\n% material\n"


def _records() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditRecord))


def test_an_extension_from_the_project_page_to_the_leaders_approval(app):
    pid = f.project()
    old_end = db.session.get(Project, pid).ends_on
    new_end = (old_end + timedelta(days=180)).isoformat()
    applicant = Browser(app, "wuhua_applicant", lang="zh")
    page = applicant.get(f"/projects/{pid}")
    assert f"/changes/new/{pid}" in page.text and "申请变更" in page.text
    year = clock.today().year  # the dates' inputs offer the years a construction may span
    form = applicant.get(f"/changes/new/{pid}").text
    assert f'name="new_starts_on" type="date" value="" min="2000-01-01" max="{year + 5}-12-31"' in form
    assert f'name="new_ends_on" type="date" value="" min="2000-01-01" max="{year + 10}-12-31"' in form
    r = applicant.post(f"/changes/new/{pid}", {"change_type": "extension", "reason": "设备到货延迟",
                                               "new_ends_on": new_end, "kind": "evidence",
                                               "file": (io.BytesIO(PDF), "延期说明.pdf")},
                       content_type="multipart/form-data")
    assert r.status_code == 302, r.text
    cr_id = db.session.scalar(sa.select(ChangeRequest.id))
    page = applicant.get(f"/changes/{cr_id}")
    assert "延期" in page.text and "延期说明.pdf" in page.text and new_end in page.text
    download = applicant.get(f"/changes/{cr_id}/attachments/{db.session.get(ChangeRequest, cr_id).attachments[0].id}")
    assert download.status_code == 200 and download.data == PDF

    office = Browser(app, "office", lang="zh")
    assert f"/changes/{cr_id}" in office.get("/inbox").text
    assert office.act("change_request", cr_id, "review", {"opinion": "理由充分"}).status_code == 302
    leader = Browser(app, "leader", lang="zh")
    assert leader.act("change_request", cr_id, "approve", {"opinion": "同意延期"}).status_code == 302
    project_page = applicant.get(f"/projects/{pid}").text
    assert f"建设周期 {old_end.isoformat()} → {new_end}" in project_page
    assert 'data-testid="change-requests"' in project_page
    english = Browser(app, "wuhua_applicant", lang="en").get(f"/projects/{pid}").text
    assert f"Construction period {old_end.isoformat()} → {new_end}" in english


def test_the_form_refuses_bad_values_with_reasons_and_writes_nothing(app):
    pid = f.project()
    applicant = Browser(app, "wuhua_applicant")
    count = _records()
    r = applicant.post(f"/changes/new/{pid}", {"change_type": "budget", "reason": "", "new_budget": "0"})
    assert r.status_code == 422
    assert 'aria-invalid="true"' in r.text
    assert _records() == count and db.session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest)) == 0


def test_a_second_open_request_and_a_closed_project_are_refused(app):
    pid = f.project()
    applicant = Browser(app, "wuhua_applicant")
    assert applicant.post(f"/changes/new/{pid}", {"change_type": "scope", "reason": "r",
                                                  "new_content": "新增移动端"}).status_code == 302
    count = _records()
    r = applicant.post(f"/changes/new/{pid}", {"change_type": "budget", "reason": "r", "new_budget": "10"})
    assert r.status_code == 409 and _records() == count
    other = f.project("wuhua_applicant", name="五华区第二个试点项目")
    assert Browser(app, "leader").act("project", other, "terminate",
                                      {"opinion": "终止", "confirmed": "yes"}).status_code == 302
    count = _records()
    assert applicant.post(f"/changes/new/{other}", {"change_type": "extension", "reason": "r",
                                                    "new_ends_on": "2034-12-31"}).status_code == 409
    assert _records() == count
    assert f"/changes/new/{other}" not in applicant.get(f"/projects/{other}").text


def test_who_sees_and_who_may_act(app):
    pid = f.project()
    applicant = Browser(app, "wuhua_applicant")
    assert applicant.post(f"/changes/new/{pid}", {"change_type": "budget", "reason": "r",
                                                  "new_budget": "10"}).status_code == 302
    cr_id = db.session.scalar(sa.select(ChangeRequest.id))
    for who in ("dali_applicant", "expert3", "qujing_office"):
        assert Browser(app, who).get(f"/changes/{cr_id}").status_code == 404, who
    assert Browser(app, "office").get(f"/changes/new/{pid}").status_code == 403
    assert Browser(app, "expert3").get("/changes/").status_code == 403
    count = _records()
    assert applicant.act("change_request", cr_id, "review", {"opinion": "自审"}).status_code == 403
    assert _records() == count
    listing = Browser(app, "office").get("/changes/?type=budget")
    assert listing.status_code == 200 and f"/changes/{cr_id}" in listing.text


def test_the_agency_removes_a_wrong_file_from_its_waiting_request_on_the_page(app):
    pid = f.project()
    end = (db.session.get(Project, pid).ends_on + timedelta(days=180)).isoformat()
    applicant = Browser(app, "wuhua_applicant", lang="zh")
    applicant.post(f"/changes/new/{pid}", {"change_type": "extension", "reason": "设备到货延迟", "new_ends_on": end,
                                           "kind": "evidence", "file": (io.BytesIO(PDF), "错传.pdf")},
                   content_type="multipart/form-data")
    cr = db.session.scalar(sa.select(ChangeRequest))
    wrong = cr.attachments[0].id
    remove = f'action="/changes/{cr.id}/attachments/{wrong}/delete"'
    assert remove in applicant.get(f"/changes/{cr.id}").text
    assert remove not in Browser(app, "office").get(f"/changes/{cr.id}").text  # only the agency
    assert Browser(app, "office").post(f"/changes/{cr.id}/attachments/{wrong}/delete").status_code == 403
    r = applicant.post(f"/changes/{cr.id}/attachments/{wrong}/delete")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/changes/{cr.id}#attachments")
    page = applicant.get(f"/changes/{cr.id}").text
    assert "错传.pdf" not in page.split('id="attachments"')[1].split("</section>")[0] and "附件已删除" in page
