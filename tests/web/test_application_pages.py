"""The applications pages: who sees what, the draft form, attachments, the detail page's
allowed buttons, the generic action form, lists and exports."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from app.extensions import db
from app.models import Application
from tests import factories
from tests.web.web_client import User

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _form(**overrides) -> dict:
    data = {k: v for k, v in factories.draft_data(**overrides).items() if v is not None}
    return data


def test_an_applicant_opening_another_agencys_application_by_url_gets_404(app):
    other = factories.draft("kunming_applicant")
    user = User(app, "wuhua_applicant")
    for url in (f"/applications/{other}", f"/applications/{other}/edit", f"/applications/{other}/re-review",
                f"/act/application/{other}/submit"):
        assert user.get(url).status_code == 404, url
    assert user.act("application", other, "submit").status_code == 404
    assert "社区综合服务信息平台" not in user.get("/applications/").text


def test_an_endorser_outside_the_area_gets_404(app):
    app_id = factories.submitted("wuhua_applicant")  # route: 五华区 then 昆明市
    assert User(app, "dali_office").get(f"/applications/{app_id}").status_code == 404
    assert User(app, "qujing_office").get(f"/applications/{app_id}").status_code == 404
    assert User(app, "wuhua_office").get(f"/applications/{app_id}").status_code == 200


def test_an_expert_sees_no_application_outside_their_panels(app):
    app_id = factories.in_re_review()
    expert = User(app, "expert1")
    assert expert.get(f"/applications/{app_id}").status_code == 404
    assert "社区综合服务信息平台" not in expert.get("/applications/").text
    rows = list(csv.reader(io.StringIO(expert.get("/applications/export.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 1  # the header only


def test_the_draft_form_shows_each_error_next_to_its_field(app):
    user = User(app, "wuhua_applicant", lang="en")
    response = user.post("/applications/new", _form(name="短", contact_phone="call me", plan_item_id=""))
    assert response.status_code == 422
    page = response.text
    assert re.search(r'id="f-name-error">Length must be between 4 and 128\.', page)
    assert re.search(r'id="f-contact_phone-error">Enter a valid telephone number\.', page)
    assert 'aria-invalid="true"' in page
    off_plan = user.post("/applications/new", _form(plan_item_id=""))
    assert re.search(r'id="f-off_plan_justification-error">Choose a plan item', off_plan.text)
    assert db.session.query(Application).count() == 0


def test_field_errors_are_in_chinese_by_default(app):
    response = User(app, "wuhua_applicant").post("/applications/new", _form(contact_name=""))
    assert response.status_code == 422
    assert re.search(r'id="f-contact_name-error">此项为必填项。', response.text)


def test_an_applicant_saves_a_draft_uploads_the_plan_and_submits(app):
    user = User(app, "wuhua_applicant")
    response = user.post("/applications/new", _form(name="五华区智慧民政平台"))
    assert response.status_code == 302
    app_id = int(response.headers["Location"].rsplit("/", 1)[1])
    upload = user.post(f"/applications/{app_id}/attachments",
                       {"kind": "construction_plan", "file": (io.BytesIO(PDF), "建设方案.pdf")},
                       content_type="multipart/form-data")
    assert upload.status_code == 302
    page = user.get(f"/applications/{app_id}").text
    assert "建设方案.pdf" in page and 'data-trigger="submit"' in page
    download = user.get(re.search(r'href="(/applications/attachments/\d+)"', page).group(1))
    assert download.data == PDF and "attachment" in download.headers["Content-Disposition"]

    version = db.session.get(Application, app_id).version
    assert user.act("application", app_id, "submit", version=version).status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, app_id).state.value == "endorsing"
    assert User(app, "kunming_applicant").get(download.request.path).status_code == 404


def test_upload_errors_are_clear_for_empty_wrong_type_and_oversized_files(app):
    app_id = factories.draft()
    user = User(app, "wuhua_applicant", lang="en")

    def upload(content: bytes, name: str):
        return user.post(f"/applications/{app_id}/attachments", {"kind": "budget", "file": (io.BytesIO(content), name)},
                         content_type="multipart/form-data")

    empty = upload(b"", "empty.pdf")
    assert empty.status_code == 422 and 'id="f-file-error">The file is empty.' in empty.text
    wrong = upload(b"MZ\x90\x00 not a document", "virus.pdf")
    assert wrong.status_code == 422 and "Only PDF, Word, Excel, JPEG, PNG and ZIP files are accepted." in wrong.text
    app.config["UPLOAD_MAX_BYTES"] = 1024
    big = upload(PDF + b"0" * 2048, "big.pdf")
    assert big.status_code == 422 and "The file is larger than" in big.text
    db.session.expire_all()
    assert db.session.get(Application, app_id).attachments == []


def test_the_detail_page_offers_only_the_steps_this_user_may_take(app):
    app_id = factories.endorsed()  # in 初审
    office = User(app, "office").get(f"/applications/{app_id}").text
    assert set(re.findall(r'<div class="action" data-trigger="(\w+)"', office)) == {
        "pass_initial_review", "return_for_revision", "refuse"}
    applicant = User(app, "wuhua_applicant").get(f"/applications/{app_id}").text
    assert set(re.findall(r'data-trigger="(\w+)"', applicant)) == {"withdraw"}
    leader = User(app, "leader").get(f"/applications/{app_id}").text
    assert "data-trigger=" not in leader  # in the plan: nothing to override, not the leader's stage yet
    assert 'data-state="initial_review" aria-current="step"' in office  # the diagram marks the stage
    assert "同意上报" in office and "周敏（五华区信息办）" in office  # the opinions timeline


def test_a_denied_action_shows_the_policys_reason(app):
    app_id = factories.endorsed()
    response = User(app, "wuhua_applicant", lang="en").act("application", app_id, "pass_initial_review",
                                                           {"opinion": "自己通过"})
    assert response.status_code == 403
    assert "Only the Information Office&#39;s reviewers may do this." in response.text
    assert User(app, "wuhua_applicant").get(f"/act/application/{app_id}/pass_initial_review").status_code == 403


def test_a_missing_opinion_comes_back_next_to_the_field_and_a_stale_version_is_a_409(app):
    app_id = factories.endorsed()
    office = User(app, "office", lang="en")
    version = db.session.get(Application, app_id).version
    missing = office.act("application", app_id, "return_for_revision", {"opinion": " "}, version=version)
    assert missing.status_code == 422
    field = f"f-application-{app_id}-return_for_revision-opinion"  # ids carry the form's item and step
    assert f'id="{field}-error">Please write your opinion' in missing.text
    assert re.search(rf'<textarea id="{field}"[^>]* aria-invalid="true" aria-describedby="{field}-help {field}-error"',
                     missing.text)
    assert office.act("application", app_id, "pass_initial_review", {"opinion": "同意"},
                      version=version).status_code == 302
    again = office.act("application", app_id, "pass_initial_review", {"opinion": "同意"}, version=version)
    assert again.status_code == 409 and "Someone else acted on this item first; reload it" in again.text
    assert again.text.count("reload it") + again.text.count("Reload it") == 1  # said once, not twice


def test_a_version_of_digits_int_cannot_read_is_no_server_error(app):
    """'²'.isdigit() is True, but int('²') raises: such a version is no version at all (as any
    other text), not a 500."""
    app_id = factories.endorsed()
    office = User(app, "office", lang="en")
    response = office.post(f"/act/application/{app_id}/pass_initial_review", {"opinion": "同意", "version": "²"})
    assert response.status_code == 302
    assert db.session.get(Application, app_id).state.value == "leader_approval"


def test_the_plan_gate_override_is_a_leaders_button_with_a_written_reason(app):
    app_id = factories.endorsed(plan_item_id=None, off_plan_justification="本地急需，规划未覆盖")
    office = User(app, "office", lang="en")
    blocked = office.act("application", app_id, "pass_initial_review", {"opinion": "通过"})
    assert blocked.status_code == 409 and "a leader must override the plan gate first" in blocked.text
    leader = User(app, "leader")
    assert "override_plan_gate" in leader.get("/quota").text or str(app_id) in leader.get("/quota").text
    assert leader.act("application", app_id, "override_plan_gate", {"opinion": "特批：民生急需"}).status_code == 302
    assert office.act("application", app_id, "pass_initial_review", {"opinion": "通过"}).status_code == 302
    assert "特批：民生急需" in office.get(f"/applications/{app_id}").text


def test_the_list_filters_searches_and_paginates(app):
    for i in range(23):
        factories.draft(name=f"测试项目第{i:02d}号")
    factories.draft("kunming_applicant", name="昆明财政一体化平台", category="business", domain="finance")
    office = User(app, "office")
    first = office.get("/applications/").text
    assert first.count('href="/applications/') >= 20 and "第 1 / 2 页" in first
    second = office.get("/applications/?page=2").text
    assert "第 2 / 2 页" in second
    found = office.get("/applications/?q=财政一体化").text
    assert "昆明财政一体化平台" in found and "测试项目" not in found
    by_category = office.get("/applications/?category=business&state=draft").text
    assert "昆明财政一体化平台" in by_category and "测试项目第00号" not in by_category
    by_division = office.get("/applications/?division_code=530100").text  # 昆明市 and its counties
    assert "共 24 条" in by_division and "昆明财政一体化平台" in by_division
    assert "共 0 条" in office.get("/applications/?division_code=532900").text  # 大理州


def test_exports_hold_exactly_what_the_filter_shows(app):
    factories.draft(name="五华区社区服务平台")
    factories.draft("kunming_applicant", name="昆明财政一体化平台", category="business", domain="finance")
    office = User(app, "office")
    rows = list(csv.reader(io.StringIO(office.get("/applications/export.csv?category=business").data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["昆明财政一体化平台"] and rows[0][1] == "项目名称"
    book = load_workbook(io.BytesIO(office.get("/applications/export.xlsx").data))
    names = {row[1] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert names == {"五华区社区服务平台", "昆明财政一体化平台"}
    mine = list(csv.reader(io.StringIO(User(app, "wuhua_applicant").get("/applications/export.csv").data.decode("utf-8-sig"))))
    assert [r[1] for r in mine[1:]] == ["五华区社区服务平台"]


def test_a_spreadsheet_formula_in_a_name_is_neutralised(app):
    factories.draft(name="=HYPERLINK(\"http://x\")")
    rows = list(csv.reader(io.StringIO(User(app, "office").get("/applications/export.csv").data.decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=")


def test_a_request_larger_than_the_upload_limit_is_refused_before_it_is_read(app):
    from tests.web.web_client import User as Signed

    app.config.update(UPLOAD_MAX_BYTES=1024, MAX_CONTENT_LENGTH=2048)
    applicant = Signed(app, "wuhua_applicant")
    big = applicant.post("/applications/1/attachments", {"file": (io.BytesIO(b"%PDF" + b"0" * 5000), "大.pdf")},
                         content_type="multipart/form-data")
    assert big.status_code == 413 and "1 KB" in big.text
