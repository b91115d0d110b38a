"""What a new user reads: applications by their human number (云试申〔2026〕0001号) wherever the
database id used to show, names instead of codes, Beijing time, file sizes in KB, the reason
for a return first, no "nothing to do" above a form, the project's documents and whole
history on its page, charts that say when they have nothing to draw."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import Application, AuditRecord
from app.services.commands import acceptance as acceptance_svc
from app.services.commands import perform
from app.services.documents import issuing
from tests import factories as f
from tests.web.web_client import User

PDF = b"%PDF-1.4\n" + b"0" * 5000 + b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# 2026-06-01 02:30 UTC is 10:30 in Beijing.
MOMENT = datetime(2026, 6, 1, 2, 30, tzinfo=UTC)
ISO_OR_MICROSECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d:\d\d\.\d+|[+-]00:00\b|\bUTC\b")


def visible_text(html: str) -> str:
    """What a person reads: the page without its scripts, styles and tags (attributes such as
    <time datetime="…"> are for machines)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def number_of(app_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(Application, app_id).number


def submitted_at_moment(**overrides) -> int:
    with clock.frozen(MOMENT):
        return f.submitted(**overrides)


def test_pages_show_the_application_number_and_drafts_say_they_have_none(app):
    draft, sent = f.draft(name="尚未提交的草稿"), submitted_at_moment()
    number = number_of(sent)
    assert number == "云试申〔2026〕0001号"
    applicant = User(app, "wuhua_applicant")
    listing = visible_text(applicant.get("/applications/").text)
    assert number in listing and "未提交（草稿）" in listing
    detail = applicant.get(f"/applications/{sent}").text
    assert f"<title>{number} " in detail and number in visible_text(detail)
    assert "未提交（草稿）" in visible_text(applicant.get(f"/applications/{draft}").text)
    assert number in visible_text(User(app, "wuhua_office").get("/inbox").text)
    # The list's text search finds it by (part of) its number.
    found = visible_text(applicant.get("/applications/?q=0001").text)
    assert number in found and "尚未提交的草稿" not in found
    assert "Draft (not submitted)" in visible_text(User(app, "wuhua_applicant", lang="en").get("/applications/").text)


def test_the_api_carries_the_number_and_documents_it(app):
    from tests.api.conftest import ApiClient  # the API tests' own token client

    sent, draft = submitted_at_moment(), f.draft()
    api = ApiClient(app.test_client())
    body = api.get(f"applications/{sent}", "wuhua_applicant").get_json()
    assert body["number"] == number_of(sent) and body["id"] == sent
    assert api.get(f"applications/{draft}", "wuhua_applicant").get_json()["number"] is None
    schema = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "number" in schema["ApplicationSummary"]["properties"]


def test_exports_speak_names_numbers_and_beijing_time_in_the_readers_language(app):
    sent = submitted_at_moment()
    office = User(app, "office")
    rows = list(csv.reader(io.StringIO(office.get("/applications/export.csv").data.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert header[0] == "申报编号" and row[0] == number_of(sent)
    cells = dict(zip(header, row))
    assert cells["提交时间（北京时间）"] == "2026-06-01 10:30"
    application = db.session.get(Application, sent)
    assert application.organisation.division.name in row  # the division by its name, not its code
    assert application.division_code not in row
    assert application.plan_item.name in row and application.plan_item.code not in row
    assert not ISO_OR_MICROSECONDS.search(",".join(row))

    book = load_workbook(io.BytesIO(office.get("/applications/export.xlsx").data))
    sheet = book.active
    assert sheet.title == "申报项目"
    values = [c.value for c in sheet[2]]
    assert values[0] == number_of(sent)
    assert datetime(2026, 6, 1, 10, 30) in values  # Beijing wall time, to the second
    english = load_workbook(io.BytesIO(User(app, "office", lang="en").get("/applications/export.xlsx").data)).active
    assert english.title == "Applications" and english["A1"].value == "Application number"
    assert load_workbook(io.BytesIO(office.get("/supervision/export.xlsx").data)).active.title == "电子监察"


def test_a_returned_application_opens_with_the_reason_who_returned_it_and_when(app):
    app_id = submitted_at_moment()
    with clock.frozen(datetime(2026, 6, 2, 1, 5, tzinfo=UTC)):  # 09:05 in Beijing
        with transaction():
            perform(f.user("wuhua_office"), "application", app_id, "return_to_applicant",
                    {"opinion": "请补充项目预算明细表"})
    html = User(app, "wuhua_applicant").get(f"/applications/{app_id}").text
    text = visible_text(html)
    # The notice comes before the application's data, its attachments and its history.
    assert html.index('data-testid="return-reason"') < html.index('id="h-data"') < html.index('id="h-att"')
    assert text.index("已退回修改") < text.index("请补充项目预算明细表") < text.index("附件")
    assert "周敏（五华区信息办）" in text and "2026-06-02 09:05" in text
    # The way forward stands above the way out.
    assert html.index('data-trigger="resubmit"') < html.index('data-trigger="withdraw"')


def test_attachment_sizes_read_in_kb(app):
    app_id = f.draft()
    applicant = User(app, "wuhua_applicant")
    response = applicant.post(f"/applications/{app_id}/attachments",
                              data={"kind": "construction_plan", "file": (io.BytesIO(PDF), "方案.pdf")},
                              content_type="multipart/form-data")
    assert response.status_code in (302, 303), response.text
    text = visible_text(applicant.get(f"/applications/{app_id}").text)
    assert "5 KB" in text and "Bytes" not in text and "20 MB" in text
    from tests.api.conftest import ApiClient

    [listed] = ApiClient(app.test_client()).get(f"applications/{app_id}/attachments", "wuhua_applicant").get_json()
    assert listed["size"] == len(PDF) and listed["size_text"] == "5 KB"


def test_history_entries_name_both_stages(app):
    app_id = submitted_at_moment()
    html = User(app, "wuhua_applicant").get(f"/applications/{app_id}").text
    assert "草稿 → 逐级上报" in visible_text(html)  # the submission: from its stage to the next, both named


@pytest.mark.usefixtures("factory_jobs")
def test_the_project_page_lists_every_document_and_every_history_entry_of_the_project(app):
    project_id, acceptance_id = f.accepted()
    page = User(app, "wuhua_applicant").get(f"/projects/{project_id}")
    html, text = page.text, visible_text(page.text)
    approval = issuing.latest("project_approval", project_id)
    report = issuing.latest("acceptance_report", acceptance_id)
    for doc in (approval, report):
        assert doc.number in text
        assert f'/documents/{doc.id}/download' in html
    assert "立项批复" in text and "验收报告" in text
    # The acceptance round's own history (scores, signatures, the seal) shows on the project page.
    kinds = set(re.findall(r'data-history-of="([a-z_]+)"', html))
    assert {"project", "acceptance"} <= kinds
    acceptance_records = db.session.scalar(sa.select(sa.func.count()).select_from(AuditRecord).where(
        AuditRecord.entity_type == "acceptance", AuditRecord.entity_id == acceptance_id))
    assert html.count('data-history-of="acceptance"') == acceptance_records


def test_an_expert_with_only_a_signature_to_give_is_not_told_there_is_nothing_to_do(app):
    project_id, acc_id = f.in_acceptance()
    members = f.panel(acc_id)
    for expert, _ in members:
        with transaction():
            acceptance_svc.submit_scores(expert, acc_id, f.full_scores())
    chair = next(u for u, c in members if c)
    with transaction():
        acceptance_svc.conclude(chair, acc_id, {"opinion": "同意通过验收"})
    expert = next(u for u, c in members if not c)
    html = User(app, expert.username).get(f"/acceptances/{acc_id}").text
    assert 'data-trigger="sign_report"' in html
    assert "当前阶段没有需要您办理的操作" not in html


def test_a_chart_without_data_says_so_in_words(app):
    html = User(app, "office").get("/dashboard/").text
    assert 'id="chart-applications"' not in html
    assert html.count("data-chart-empty=") == 6
    assert "暂无数据" in visible_text(html)
    f.submitted()
    html = User(app, "office").get("/dashboard/").text
    assert 'id="chart-applications"' in html and 'data-chart-empty="chart-applications"' not in html
