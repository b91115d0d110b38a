"""The public /verify page (no sign-in, CSRF-protected) and the access-checked download."""
from __future__ import annotations

import io
import re

from tests.documents.conftest import flip_byte
from tests.web.web_client import User


def _verify(visitor: User, **fields):
    data = {}
    if "pdf" in fields:
        data["file"] = (io.BytesIO(fields["pdf"]), "验收报告.pdf")
    if "number" in fields:
        data["number"] = fields["number"]
    return visitor.post("/verify", data, content_type="multipart/form-data")


def _verdict(response) -> str:
    return re.search(r'data-verdict="([a-z_]+)"', response.text).group(1)


def test_anyone_can_verify_an_upload_or_a_number_without_signing_in(app, sealed):
    visitor = User(app)  # not signed in
    page = visitor.get("/verify")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text and 'type="file"' in page.text

    genuine = _verify(visitor, pdf=sealed["pdf"])
    assert genuine.status_code == 200 and _verdict(genuine) == "authentic"
    assert sealed["document"].number in genuine.text and genuine.text.count('class="badge done"') == 4

    altered = _verify(visitor, pdf=flip_byte(sealed["pdf"], len(sealed["pdf"]) // 3))
    assert _verdict(altered) in ("altered", "unreadable") and 'class="badge done"' not in altered.text

    by_number = _verify(visitor, number=sealed["document"].number.replace("〔", "[").replace("〕", "]"))
    assert _verdict(by_number) == "authentic" and sealed["document"].current.sha256 in by_number.text
    assert _verdict(_verify(visitor, number="云信办〔1999〕1号")) == "not_found"


def test_the_verify_form_refuses_a_post_without_its_csrf_token(app):
    visitor = User(app)
    response = visitor.client.post("/verify", data={"number": "云信办〔2026〕1号"})
    assert response.status_code == 400 and "data-verdict" not in response.text


def test_a_download_needs_sign_in_and_the_right_to_see_the_item(app, sealed):
    url = f"/documents/{sealed['document'].id}/download"
    assert User(app).get(url).status_code == 302  # to the sign-in page
    owner = User(app, "wuhua_applicant").get(url)
    assert owner.status_code == 200 and owner.mimetype == "application/pdf" and owner.data == sealed["pdf"]
    assert "filename*=UTF-8''" in owner.headers["Content-Disposition"]
    assert User(app, "kunming_applicant").get(url).status_code == 404
    first = User(app, "office").get(url + "?version=1")
    assert first.status_code == 200 and first.data != sealed["pdf"]


def test_the_pages_link_their_documents_and_downloads_follow_the_pages_access_rules(app, sealed):
    acc_id, number = sealed["acceptance_id"], sealed["document"].number
    office = User(app, "office")
    page = office.get(f"/acceptances/{acc_id}")
    link = f'/documents/{sealed["document"].id}/download'
    assert page.status_code == 200 and number in page.text and link in page.text
    pdf = office.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.data == sealed["pdf"]
    project_page = User(app, "wuhua_applicant").get(f'/projects/{sealed["project_id"]}')
    assert "立项批复" in project_page.text or "Project approval document" in project_page.text
    assert User(app, "qujing_applicant").get(link).status_code == 404


def test_the_applicant_prints_the_application_form_and_an_endorser_may_not(app):
    from tests import factories as f

    app_id = f.submitted()
    applicant = User(app, "wuhua_applicant")
    assert f"/applications/{app_id}/application-form" in applicant.get(f"/applications/{app_id}").text
    printed = applicant.post(f"/applications/{app_id}/application-form", follow_redirects=True)
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF")
    again = applicant.post(f"/applications/{app_id}/application-form")
    first = applicant.post(f"/applications/{app_id}/application-form")
    assert again.headers["Location"] == first.headers["Location"]  # unchanged application: same number
    endorser = User(app, "wuhua_office")
    assert "application-form" not in endorser.get(f"/applications/{app_id}").text
    assert endorser.post(f"/applications/{app_id}/application-form").status_code == 403


def test_an_empty_upload_is_refused_the_same_way_on_the_page_as_in_the_api(app):
    visitor = User(app)
    page = _verify(visitor, pdf=b"")
    assert page.status_code == 400 and 'data-verdict=' not in page.text
