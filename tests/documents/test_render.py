"""Rendering: Chinese set in embedded Noto CJK subsets, the letterhead and number, page numbers,
repeated table headers, escaped user text, and a URL fetcher that fetches nothing foreign."""
from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from PIL import Image

from app.database import transaction
from app.documents.render import StaticOnlyFetcher, render_html, render_template_pdf
from app.extensions import db
from app.models import IssuedDocument, Project
from app.services.documents import issuing
from tests import factories as f
from tests.documents.conftest import (
    current_pdf,
    flat,
    pdf_fonts,
    pdf_text,
    png_of_first_page,
)


def test_harfbuzz_subsetting_is_available():
    """Without libharfbuzz-subset a Chinese page takes ~17 s instead of ~0.25 s, silently."""
    from weasyprint.text.ffi import harfbuzz_subset

    assert harfbuzz_subset


def _acceptance_context(comment: str, rows: int) -> dict:
    """The acceptance report's data without a database (for layout-only checks)."""
    members = [{"name": n, "is_chair": i == 2, "field": f"expert-{i + 1}", "total": "90.00"}
               for i, n in enumerate(("张教授", "高研究员", "马教授"))]
    return {
        "issuer": "云南省信息化工作领导小组办公室", "issuer_short": "省信息办", "prefix": "云信办",
        "number": "云信办〔2026〕99号", "title": "“社区综合服务信息平台”项目验收报告", "issued_on": "2026年3月1日",
        "cn_date": issuing.cn_date, "office_field": "office-seal", "opinion": "同意通过验收。",
        "conclusion": "通过验收", "members": members,
        "acc": SimpleNamespace(project=SimpleNamespace(name="社区综合服务信息平台", code="YNDZ-2026-001",
                                                        organisation=SimpleNamespace(name="五华区民政局"),
                                                        approved_budget="100.00"),
                               round=1, summary="已按批复完成建设。", average_score="90.00", conditions=""),
        "criteria": [{"zh": "建设内容完成情况", "maximum": 30, "scores": ["27.0"] * 3, "average": "27.00"}],
        "comments": [{"expert": "张教授", "criterion": f"第{i + 1}项", "comment": comment} for i in range(rows)],
    }


def test_a_long_report_numbers_its_pages_and_repeats_table_headers(app):
    rendered = render_template_pdf("documents/acceptance_report.html",
                                   **_acceptance_context("系统运行稳定，文档齐全，建议在全省推广。" * 6, rows=24))
    assert rendered.pages >= 3
    assert re.search(rf"第\s*2\s*页\s*共\s*{rendered.pages}\s*页", pdf_text(rendered.pdf, page=2))
    for page in range(2, rendered.pages):
        text = pdf_text(rendered.pdf, page=page)
        if "建议在全省推广" in text:  # a page the comments table continues on
            assert re.search(r"专家\s+评分项\s+意见", text), f"no repeated header on page {page}"
            assert "云信办〔2026〕99号" in text  # the number in the running header
    # the signature boxes were measured on the laid-out page, one per expert plus the office
    assert sorted(b.name for b in rendered.fields) == ["expert-1", "expert-2", "expert-3", "office-seal"]
    assert all(b.box[2] - b.box[0] > 100 and b.box[3] - b.box[1] > 40 for b in rendered.fields)


def test_every_document_renders_chinese_with_embedded_subset_fonts_and_its_number(app, tmp_path):
    project_id, _evaluation_id = f.graded()
    application_id = db.session.get(Project, project_id).application_id
    kinds = dict(db.session.execute(sa.select(IssuedDocument.kind, sa.func.count())
                                    .group_by(IssuedDocument.kind)).all())
    assert kinds == {"project_approval": 1, "midterm_report": 1, "acceptance_report": 1, "evaluation_report": 1}
    with transaction():
        issuing.issue_application_form(f.user("wuhua_applicant"), application_id)
        assert len(issuing.pending()) == 1  # numbered here; rendered by its job after the commit
    assert issuing.pending() == []
    expected = {
        "application_form": ("电子政务应用试点项目申报书", "社区综合服务信息平台", "建设目标", "审核记录"),
        "project_approval": ("关于同意", "立项的批复", "同意立项", "YNDZ-"),
        "midterm_report": ("年度中期检查意见", "检查结论", "检查通过"),
        "acceptance_report": ("项目验收报告", "专家评分", "通过验收", "专家组签署", "承建单位"),
        "evaluation_report": ("绩效评估结果的通报", "加权总分", "优秀"),
    }
    docs = {d.kind: d for d in db.session.scalars(sa.select(IssuedDocument).order_by(IssuedDocument.id))}
    assert set(docs) == set(expected)
    for kind, phrases in expected.items():
        doc = docs[kind]
        pdf = current_pdf(doc)
        text = pdf_text(pdf)
        assert "云南省信息化工作领导小组办公室" in text
        assert re.fullmatch(r"云信办〔\d{4}〕\d+号", doc.number) and doc.number in text
        assert re.search(r"第\s*1\s*页\s*共\s*\d+\s*页", text)
        for phrase in phrases:
            assert phrase in flat(text), f"{kind}: {phrase!r} missing"
        fonts = pdf_fonts(pdf)
        assert fonts and all(r["emb"] == "yes" and r["sub"] == "yes" for r in fonts), fonts
        assert any("Noto-Serif-CJK-SC" in r["name"] for r in fonts)
        assert all(re.match(r"[A-Z]{6}\+", r["name"]) for r in fonts)  # subset-tagged names
    assert len({d.number for d in docs.values()}) == 5
    # page 1 as an image: the red letterhead is really drawn (not empty boxes, not blank)
    png = Image.open(png_of_first_page(current_pdf(docs["project_approval"]), tmp_path)).convert("RGB")
    top = png.crop((0, 0, png.width, png.height // 6))
    red = sum(1 for r, g, b in top.get_flattened_data() if r > 180 and g < 80 and b < 80)
    assert red > 300


def test_user_text_is_escaped_not_interpreted(app):
    app_id = f.draft(name="<b>粗体</b>平台 & <i>斜体</i>", objectives="<script>alert(1)</script>目标")
    with transaction():
        doc = issuing.issue_application_form(f.user("wuhua_applicant"), app_id)
    text = flat(pdf_text(current_pdf(doc)))
    assert flat("<b>粗体</b>平台 & <i>斜体</i>") in text
    assert "<script>alert(1)</script>目标" in text


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def listening_server():
    _CountingHandler.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.hits
    server.shutdown()


def test_file_and_http_references_in_user_text_fetch_nothing(app, listening_server, tmp_path):
    base, hits = listening_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-SERVER-FILE")
    evil = (f'<img src="file://{secret}"><link rel="stylesheet" href="{base}/evil.css">'
            f'<img src="{base}/pixel.png"><iframe src="file:///etc/passwd"></iframe>')
    app_id = f.draft(content=evil, objectives=f'<style>@import url("{base}/import.css");</style>')
    with transaction():
        doc = issuing.issue_application_form(f.user("wuhua_applicant"), app_id)
    text = flat(pdf_text(current_pdf(doc)))
    assert flat(f'<img src="file://{secret}">') in text  # shown as the text it is
    assert "TOP-SECRET-SERVER-FILE" not in text and hits == []

    # Even raw HTML (a template bug, not user input) cannot reach outside the static folder.
    raw = (f'<html><head><link rel="stylesheet" href="{base}/raw.css">'
           f'<link rel="stylesheet" href="file://{secret}">'
           '<link rel="stylesheet" href="pilotflow-static:../app/config.py">'
           '<link rel="stylesheet" href="pilotflow-static:documents/print.css"></head>'
           f'<body><img src="{base}/raw.png"><img src="file:///etc/hostname">'
           '<p style="background: url(data:image/png;base64,iVBORw0KGgo=)">正文</p></body></html>')
    fetcher_root = Path(app.static_folder)
    rendered = render_html(raw, root=fetcher_root)
    assert hits == []
    assert "TOP-SECRET-SERVER-FILE" not in pdf_text(rendered.pdf)
    assert any(u.startswith("file://") for u in rendered.refused_urls)
    assert any(u.startswith(base) for u in rendered.refused_urls)
    assert "pilotflow-static:../app/config.py" in rendered.refused_urls
    assert "pilotflow-static:documents/print.css" not in rendered.refused_urls


def test_the_fetcher_serves_only_files_inside_the_static_folder(app):
    fetcher = StaticOnlyFetcher(app.static_folder)
    served = fetcher.fetch("pilotflow-static:documents/print.css")
    assert b"@page" in served.read() and served.content_type == "text/css"
    for url in ("pilotflow-static:../app/config.py", "pilotflow-static:/etc/passwd",
                "pilotflow-static:vendor/README.md", "file:///etc/passwd", "http://127.0.0.1:9/x.css",
                "https://example.org/x.png", "data:text/css,body{}"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7
