"""Font files lent to WeasyPrint, not copied, while it writes our PDFs.

WeasyPrint 70 makes a ``Font`` for each face a document uses and copies the face's whole font
file into Python bytes (``get_hb_object_data``). It then subsets the face with HarfBuzz, which
reads the face itself, and replaces the copy with the subset: the copy is used only when a face
is not subset. For the four Noto CJK faces of our documents (serif and sans, regular and bold:
font collections of 20–27 MB each) that was some 95 MB copied and about 60 ms of every render.

Inside ``lent()`` (``render.render_html`` around ``write_pdf``) a new ``Font`` gets a read-only
view of HarfBuzz's own blob of the file instead; the view holds a reference on the blob, so the
memory stays valid for as long as anything holds the view. A face that ``clean`` leaves whole
(not subset) gets its bytes copied then, as before. Outside ``lent()`` WeasyPrint runs as
shipped. Installed only on the WeasyPrint version this was written against (``SUPPORTED``);
tests/documents/test_fontfiles.py fails on another, so that an upgrade is looked at again.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

import weasyprint
from weasyprint.pdf import fonts as pdf_fonts
from weasyprint.text.ffi import ffi, harfbuzz

SUPPORTED = "70.0"
_lending: ContextVar[bool] = ContextVar("pilotflow_lending_font_files", default=False)
_making_font: ContextVar[bool] = ContextVar("pilotflow_making_font", default=False)
_copy_face_data = pdf_fonts.get_hb_object_data
_make_font, _clean_font = pdf_fonts.Font.__init__, pdf_fonts.Font.clean


def _face_data(hb_object, ot_color=None, glyph=None):
    """The face's whole file as a view of HarfBuzz's blob while a Font is made in ``lent()``;
    WeasyPrint's copy otherwise (a subset face's file, a colour glyph)."""
    if ot_color is not None or not (_lending.get() and _making_font.get()):
        return _copy_face_data(hb_object, ot_color, glyph)
    blob = harfbuzz.hb_face_reference_blob(hb_object)
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    if data == ffi.NULL or not length[0]:
        harfbuzz.hb_blob_destroy(blob)
        return _copy_face_data(hb_object)  # (an empty blob: whatever WeasyPrint makes of it)
    owner = ffi.gc(data, lambda _data: harfbuzz.hb_blob_destroy(blob))  # the blob lives while the view does
    return memoryview(ffi.buffer(owner, length[0]))


def _font_init(font, *args, **kwargs):
    marker = _making_font.set(True)
    try:
        _make_font(font, *args, **kwargs)
    finally:
        _making_font.reset(marker)


def _font_clean(font, *args, **kwargs):
    _clean_font(font, *args, **kwargs)
    if isinstance(font.file_content, memoryview):  # not subset: it is embedded whole, as bytes
        font.file_content = font.file_content.tobytes()


def installed() -> bool:
    return pdf_fonts.get_hb_object_data is _face_data


if weasyprint.__version__ == SUPPORTED and not installed():
    pdf_fonts.get_hb_object_data = _face_data
    pdf_fonts.Font.__init__, pdf_fonts.Font.clean = _font_init, _font_clean


@contextmanager
def lent() -> Iterator[None]:
    """Fonts made inside the block borrow their files' memory instead of copying it."""
    marker = _lending.set(True)
    try:
        yield
    finally:
        _lending.reset(marker)
