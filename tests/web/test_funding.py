"""Follow-on funding pages: the agency files with an attachment, the Office reviews on a page that
shows the project's evaluation history and the agency's grades, the leader overrides a blocking
grade in writing and approves; others get 404, the wrong role 403, nothing written."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import FundingAttachment, FundingRequest
from tests import factories as f
from tests.services.test_attachments import PDF
from tests.web.web_client import User as Browser


def _file(applicant: Browser, project_id: int, **data):
    form = {"amount": "80", "purpose": "推广到全市", "kind": "funding_plan", **data}
    return applicant.post(f"/projects/{project_id}/funding", form, content_type="multipart/form-data")


def test_filing_review_override_and_approval_through_the_pages(app):
    project_id, _ = f.graded("wuhua_applicant", score="50")  # 不合格: blocks approval
    applicant, office, leader = (Browser(app, "wuhua_applicant", lang="en"), Browser(app, "office", lang="en"),
                                 Browser(app, "leader", lang="en"))
    filed = _file(applicant, project_id, file=(io.BytesIO(PDF), "资金计划.pdf"))
    assert filed.status_code == 302
    rid = int(filed.headers["Location"].rsplit("/", 1)[1])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundingAttachment)) == 1
    assert f"/funding/{rid}" in applicant.get("/funding/").text

    page = office.get(f"/funding/{rid}").text
    assert "The project's evaluation history" in page and "The agency's performance evaluations" in page
    assert 'data-state="unqualified"' in page and 'data-testid="grade-block"' in page
    assert "资金计划.pdf" in page and 'data-trigger="pass_funding_review"' in page
    download = office.get(re.search(r'href="(/funding/attachments/\d+)"', page).group(1))
    assert download.status_code == 200 and download.data == PDF
    assert office.act("funding_request", rid, "pass_funding_review", {"opinion": "材料齐全"}).status_code == 302

    page = leader.get(f"/funding/{rid}").text
    assert 'data-trigger="override_grade_block"' in page and 'data-trigger="approve_funding"' not in page
    assert leader.act("funding_request", rid, "approve_funding",
                      {"opinion": "同意", "approved_amount": "10"}).status_code in (403, 409)
    assert leader.act("funding_request", rid, "override_grade_block", {"opinion": "已整改到位"}).status_code == 302
    bad = leader.act("funding_request", rid, "approve_funding", {"opinion": "同意", "approved_amount": "81"})
    assert bad.status_code == 422 and db.session.get(FundingRequest, rid).approved_amount is None
    assert leader.act("funding_request", rid, "approve_funding",
                      {"opinion": "同意", "approved_amount": "60"}).status_code == 302
    page = applicant.get(f"/funding/{rid}").text
    assert 'data-testid="approved">60.00' in page and "Follow-on funding decision" in page


def test_a_zero_amount_is_a_field_error_and_nothing_is_written(app):
    project_id, _ = f.graded("wuhua_applicant", score="88")
    applicant = Browser(app, "wuhua_applicant", lang="en")
    bad = _file(applicant, project_id, amount="0")
    assert bad.status_code == 422 and 'id="f-amount-error"' in bad.text and "more than 0" in bad.text
    bad = _file(applicant, project_id, file=(io.BytesIO(b"not a document"), "x.txt"))
    assert bad.status_code == 422 and 'id="f-file-error"' in bad.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundingRequest)) == 0


def test_other_agencies_get_404_and_the_office_cannot_file(app):
    project_id, _ = f.graded("wuhua_applicant", score="88")
    filed = _file(Browser(app, "wuhua_applicant"), project_id)
    rid = int(filed.headers["Location"].rsplit("/", 1)[1])
    for outsider in ("kunming_applicant", "wuhua_office", "expert1"):
        assert Browser(app, outsider).get(f"/funding/{rid}").status_code == 404
    assert Browser(app, "expert1").get("/funding/").status_code == 403
    other = Browser(app, "kunming_applicant")
    assert other.post(f"/funding/{rid}/attachments", {"kind": "other", "file": (io.BytesIO(PDF), "a.pdf")},
                      content_type="multipart/form-data").status_code == 404
    assert _file(Browser(app, "office"), project_id).status_code == 403
    assert Browser(app, "wuhua_applicant").act("funding_request", rid, "pass_funding_review",
                                               {"opinion": "自己通过"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundingRequest)) == 1
