"""Helpers for reading PDFs the way a person (or poppler) would."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from app.documents import storage
from app.services.documents import issuing
from tests import factories as f


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        return subprocess.run([tool, *args, fh.name, "-"] if tool == "pdftotext" else [tool, *args, fh.name],
                              capture_output=True, text=True, check=True).stdout


def pdf_text(pdf: bytes, page: int | None = None) -> str:
    args = ["-layout"] + (["-f", str(page), "-l", str(page)] if page else [])
    return _poppler("pdftotext", pdf, *args)


def flat(text: str) -> str:
    """Text without whitespace: pdftotext breaks long lines wherever the layout wrapped them."""
    return re.sub(r"\s+", "", text)


def pdf_fonts(pdf: bytes) -> list[dict]:
    """pdffonts rows as dicts: name, type, emb, sub, uni."""
    lines = _poppler("pdffonts", pdf).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type… encoding emb sub uni object ID: read the flags from the right
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def current_pdf(doc) -> bytes:
    return storage.get(doc.current.sha256)


def flip_byte(pdf: bytes, at: int) -> bytes:
    data = bytearray(pdf)
    data[at] ^= 0x01
    return bytes(data)


@pytest.fixture(autouse=True)
def _documents_of_the_factories(factory_jobs):
    """The tests here read the documents that the factories' steps issue: their jobs run."""


@pytest.fixture
def sealed(app):
    """A project through acceptance: the report signed by three experts and sealed by the office."""
    project_id, acceptance_id = f.accepted()
    doc = issuing.latest("acceptance_report", acceptance_id)
    return {"project_id": project_id, "acceptance_id": acceptance_id, "document": doc, "pdf": current_pdf(doc)}


def png_of_first_page(pdf: bytes, out_dir: Path) -> Path:
    src = out_dir / "doc.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(src), str(out_dir / "page")],
                   check=True)
    return next(out_dir.glob("page*.png"))
