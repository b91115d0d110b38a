"""Empty, visible signature fields placed where the layout reserved room for each signer."""
from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import (
    FieldMDPAction,
    FieldMDPSpec,
    MDPPerm,
    SigFieldSpec,
    append_signature_field,
    enumerate_sig_fields,
)

from app.documents.render import FieldBox


def add_signature_fields(pdf: bytes, boxes: list[FieldBox], *, locking: str | None = None) -> bytes:
    """Return ``pdf`` with one empty signature field per box. The field named ``locking``
    carries a lock dictionary: whoever signs it last forbids any further change (DocMDP
    "no changes" on an approval signature — PDF allows a certification signature only as the
    *first* signature, and here the office seals after the experts)."""
    if not boxes:
        return pdf
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    for box in boxes:
        lock = {}
        if box.name == locking:
            lock = {"field_mdp_spec": FieldMDPSpec(FieldMDPAction.ALL),
                    "doc_mdp_update_value": MDPPerm.NO_CHANGES}
        append_signature_field(writer, SigFieldSpec(box.name, on_page=box.page, box=box.box, **lock))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def field_rects(pdf: bytes) -> dict[str, tuple[float, float, bool]]:
    """name → (width, height, already signed) of every signature field in ``pdf``."""
    reader = PdfFileReader(BytesIO(pdf))
    result = {}
    for name, value, ref in enumerate_sig_fields(reader, filled_status=None):
        x0, y0, x1, y1 = (float(v) for v in ref.get_object().get("/Rect", [0, 0, 0, 0]))
        result[name] = (abs(x1 - x0), abs(y1 - y0), value is not None)
    return result
