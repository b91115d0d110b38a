"""What a PDF says about itself: the document number we write into its metadata (Keywords)."""
from __future__ import annotations

from io import BytesIO

from app.documents.numbering import NUMBER_RE


def claimed_number(pdf: bytes) -> str | None:
    """The document number in the file's Info dictionary, if it is readable and looks like one."""
    from pyhanko.pdf_utils.reader import PdfFileReader  # late: pyHanko loads slowly

    try:
        info = PdfFileReader(BytesIO(pdf), strict=False).trailer_view["/Info"]
        value = str(info.get("/Keywords", "")).strip()
    except Exception:  # damaged files fail in many ways; they simply claim nothing
        return None
    return value if NUMBER_RE.match(value) else None
