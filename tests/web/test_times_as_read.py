"""Beijing time everywhere a person reads: after a whole lifecycle, no page, export, PDF text
or CLI output shows a timestamp in ISO form, in UTC, or with microseconds — and the times
that do show are Beijing's."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook

from app import clock
from app.services.documents import issuing
from tests import factories as f
from tests.documents.conftest import current_pdf, pdf_text
from tests.web.web_client import User

ISO_OR_MICROSECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d:\d\d\.\d+|[+-]00:00\b|\bUTC\b")
HREF = re.compile(r'href="(/[^"#?]*)"')
SKIP = re.compile(r"^/(static|logout|api|act|documents/\d+/download|projects/\d+/dossier|applications/export)")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def offending(text: str) -> list[str]:
    return [text[max(0, m.start() - 40):m.end() + 20] for m in ISO_OR_MICROSECONDS.finditer(text)]


def crawl(app, username: str, start: str, limit: int = 60) -> dict[str, str]:
    """Every page the user reaches by following the links of the pages they see (breadth
    first, GETs only), as text."""
    user = User(app, username)
    seen, queue, pages = set(), [start], {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = user.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        pages[url] = visible_text(response.text)
        queue += [u for u in HREF.findall(response.text) if not SKIP.match(u) and u not in seen]
    return pages


def test_pages_exports_and_pdfs_show_no_utc_iso_or_microsecond_times(app):
    with clock.frozen(datetime(2026, 6, 1, 2, 30, 15, 123456, tzinfo=UTC)):
        project_id, acceptance_id = f.accepted()
    problems = {}
    for username in ("wuhua_applicant", "office", "leader", "wuhua_office", "admin"):
        pages = crawl(app, username, "/inbox")
        assert len(pages) >= 8, (username, sorted(pages))  # the crawl reached the user's pages
        for url, text in pages.items():
            if offending(text):
                problems[f"{username} {url}"] = offending(text)[:3]
    office = User(app, "office")
    export = office.get("/applications/export.csv").data.decode("utf-8-sig")
    if offending(export):
        problems["export.csv"] = offending(export)[:3]
    for row in load_workbook(io.BytesIO(office.get("/applications/export.xlsx").data)).active.iter_rows(values_only=True):
        for value in row:
            if isinstance(value, datetime):
                assert value.tzinfo is None and value.microsecond == 0, value
    for doc in (issuing.latest("project_approval", project_id), issuing.latest("acceptance_report", acceptance_id)):
        text = pdf_text(current_pdf(doc))
        if offending(text):
            problems[doc.number] = offending(text)[:3]
    assert not problems, problems
    # The times that show are Beijing's: 02:30 UTC is 10:30 in Beijing.
    detail = visible_text(User(app, "wuhua_applicant").get(f"/projects/{project_id}").text)
    assert "2026-06-01 10:30" in detail and "2026-06-01 02:30" not in detail
    rows = list(csv.reader(io.StringIO(export)))
    assert "2026-06-01 10:30" in rows[1]


def test_the_cli_speaks_beijing_time(app, runner, tmp_path):
    with clock.frozen(datetime(2026, 6, 1, 2, 30, 15, 123456, tzinfo=UTC)):
        project_id, acceptance_id = f.accepted()
        runner.invoke(args=["jobs", "tick"])
    outputs = {}
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(current_pdf(issuing.latest("acceptance_report", acceptance_id)))
    for args in (["jobs", "status"], ["jobs", "list", "--status", "done", "--limit", "5"], ["audit", "verify"],
                 ["documents", "verify", str(pdf)], ["users", "token", "list", "admin"],
                 ["workflow", "steps", "application"]):
        result = runner.invoke(args=args)
        outputs[" ".join(args[:2])] = result.output
        assert not offending(result.output), (args, offending(result.output))
    assert "2026-06-01 10:3" in outputs["documents verify"] and "Beijing time" in outputs["documents verify"]
