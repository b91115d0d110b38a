"""Small generated materials for the demo, the story and the tests: a one-page PDF per file,
so requesting acceptance (which requires a 竣工报告 and a 财务审计报告) works without real files."""
from __future__ import annotations

import io

from app.schemas import FilePart


def pdf(title: str) -> bytes:
    """A valid one-page PDF showing ``title`` (ASCII) — a few hundred bytes."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def material(kind: str, title: str, filename: str | None = None) -> FilePart:
    return FilePart(kind, filename or f"{kind}.pdf", io.BytesIO(pdf(title)))


def acceptance_materials(name: str = "Pilot project") -> list[FilePart]:
    """What an acceptance request requires: a 竣工报告 and a 财务审计报告 (fresh streams each call)."""
    return [material("completion_report", f"Completion report: {name}", "竣工报告.pdf"),
            material("financial_audit", f"Financial audit report: {name}", "财务审计报告.pdf")]
