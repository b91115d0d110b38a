"""Benchmark: the acceptance report (验收报告) — render time of a 1-page and a 10-page report
through our pipeline (template, static-only fetcher, signature-field placement) against raw
WeasyPrint rendering the same HTML in the same run (ratio); signing (three experts and the
office's seal) and validation times; peak memory of each phase in its own process.

    .venv/bin/python bench/documents.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench#2026"
COMMENT = "系统运行稳定，业务流程覆盖完整，数据共享接口符合规范，文档资料齐全，建议在全省同类单位推广应用。"


def _app(workdir: Path):
    from app.factory import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}", "TESTING": True,
                       "DOCUMENT_DIR": str(workdir / "documents"), "PKI_DIR": str(workdir / "pki")})


def _context(pages: int) -> dict:
    """The acceptance report's data; ``pages`` 1 gives a one-page report, 10 about ten pages."""
    from app.services.documents.issuing import cn_date

    names = ("张教授", "高研究员", "马教授")
    members = [{"name": n, "is_chair": i == 2, "field": f"expert-{i + 1}", "total": "90.00"}
               for i, n in enumerate(names)]
    criteria = [{"zh": zh, "maximum": m, "scores": [f"{m * 0.9:.2f}"] * 3, "average": f"{m * 0.9:.2f}"}
                for zh, m in (("建设内容完成情况", 30), ("技术方案与系统质量", 25), ("应用成效", 25),
                              ("资金使用与管理", 10), ("文档资料与运维保障", 10))]
    rows = 0 if pages == 1 else 12 * (pages - 1)  # ~12 comment rows fill a page
    return {
        "issuer": "云南省信息化工作领导小组办公室", "issuer_short": "省信息办", "prefix": "云信办",
        "number": "云信办〔2026〕12号", "title": "“社区综合服务信息平台”项目验收报告",
        "issued_on": "2026年3月1日", "cn_date": cn_date, "office_field": "office-seal",
        "opinion": "同意通过验收。", "conclusion": "通过验收", "members": members, "criteria": criteria,
        "acc": SimpleNamespace(project=SimpleNamespace(name="社区综合服务信息平台", code="YNDZ-2026-001",
                                                        organisation=SimpleNamespace(name="五华区民政局"),
                                                        approved_budget="100.00"),
                               round=1, summary="已按批复完成建设。", average_score="90.00", conditions=""),
        "comments": [{"expert": names[i % 3], "criterion": criteria[i % 5]["zh"], "comment": COMMENT}
                     for i in range(rows)],
    }


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def phase_render(pages: int, repeat: int, queue) -> None:
    """Our pipeline vs raw WeasyPrint on identical HTML (stylesheet inlined for the raw run)."""
    import weasyprint
    from flask import render_template

    from app.documents.fields import add_signature_fields
    from app.documents.render import render_html

    with tempfile.TemporaryDirectory() as tmp, _app(Path(tmp)).app_context() as ctx:
        html = render_template("documents/acceptance_report.html", **_context(pages))
        css = (Path(ctx.app.static_folder) / "documents" / "print.css").read_text()
        raw_html = html.replace('<link rel="stylesheet" href="pilotflow-static:documents/print.css">',
                                f"<style>{css}</style>")
        render_html(html)  # warm-up: fonts, imports
        weasyprint.HTML(string=raw_html).write_pdf()
        ours, raw = [], []
        for i in range(repeat):  # interleaved, so a busy machine slows both alike; each goes first in turn
            for side in ("ours", "raw") if i % 2 == 0 else ("raw", "ours"):
                if side == "ours":
                    t, rendered = _timed(lambda: add_signature_fields_and_keep(render_html(html),
                                                                               add_signature_fields), 1)
                    ours.append(t)
                else:
                    t, raw_pdf = _timed(lambda: weasyprint.HTML(string=raw_html).write_pdf(), 1)
                    raw.append(t)
        ours, raw = statistics.median(ours), statistics.median(raw)
        queue.put({"pages": rendered.pages, "ours": ours, "raw": raw, "bytes": len(rendered.pdf),
                   "raw_bytes": len(raw_pdf), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def add_signature_fields_and_keep(rendered, add_signature_fields):
    rendered.pdf = add_signature_fields(rendered.pdf, rendered.fields, locking="office-seal")
    return rendered


def phase_sign(repeat: int, queue) -> None:
    """Sign the 1-page report as three experts then the office (locking), then validate it."""
    from app.documents import pki
    from app.documents.fields import add_signature_fields
    from app.documents.render import render_template_pdf
    from app.documents.signing import SignRequest, get_signer

    with tempfile.TemporaryDirectory() as tmp, _app(Path(tmp)).app_context():
        authority, _ = pki.ensure_authority()
        started = time.perf_counter()
        creds = [pki.issue_credential(authority, common_name=n, organisation="试点通", uid=f"u{i}", password=PASSWORD)
                 for i, n in enumerate(("张教授", "高研究员", "马教授", "李明（省信息办）"))]
        enrol = (time.perf_counter() - started) / len(creds)
        rendered = render_template_pdf("documents/acceptance_report.html", **_context(1))
        base = add_signature_fields(rendered.pdf, rendered.fields, locking="office-seal")
        signer = get_signer()
        fields = ("expert-1", "expert-2", "expert-3", "office-seal")
        sign_times, validate_times, pdf = [], [], base
        for _ in range(repeat):
            pdf = base
            for i, (field, cred) in enumerate(zip(fields, creds)):
                request = SignRequest(field_name=field, signer_name=f"签署人{i}", role="验收专家",
                                      certificate_pem=cred.certificate_pem, encrypted_key_pem=cred.encrypted_key_pem,
                                      password=PASSWORD, lock_document=field == "office-seal")
                started = time.perf_counter()
                pdf = signer.sign(pdf, request)
                sign_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            reports = signer.validate(pdf)
            validate_times.append(time.perf_counter() - started)
            assert len(reports) == 4 and all(r.bottom_line for r in reports) and reports[-1].covers_entire_file
        queue.put({"enrol": enrol, "sign": statistics.median(sign_times), "validate4": statistics.median(validate_times),
                   "signed_bytes": len(pdf), "base_bytes": len(base),
                   "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _run(target, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from weasyprint.text.ffi import harfbuzz_subset

    print(f"HarfBuzz subsetting available: {bool(harfbuzz_subset)}")
    print(f"{'report':<10}{'pages':>6}{'ours s':>9}{'raw s':>9}{'ratio':>7}{'PDF KB':>9}{'peak RSS MB':>13}")
    for pages in (1, 10):
        r = _run(phase_render, pages, args.repeat)
        print(f"{f'{pages}-page':<10}{r['pages']:>6}{r['ours']:>9.3f}{r['raw']:>9.3f}{r['ours'] / r['raw']:>7.2f}"
              f"{r['bytes'] / 1024:>9.0f}{r['rss_mb']:>13.0f}")
    s = _run(phase_sign, args.repeat)
    print(f"certificate + wrapped key per signer (argon2id):  {s['enrol'] * 1000:7.1f} ms")
    print(f"one PAdES signature (unlock key, stamp, sign):    {s['sign'] * 1000:7.1f} ms (median)")
    print(f"validate all 4 signatures:                        {s['validate4'] * 1000:7.1f} ms (median)")
    print(f"1-page report: {s['base_bytes'] / 1024:.0f} KB rendered, {s['signed_bytes'] / 1024:.0f} KB with 4 "
          f"signatures; signing process peak RSS {s['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
