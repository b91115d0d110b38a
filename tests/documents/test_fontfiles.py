"""Font files lent to WeasyPrint (app.documents.fontfiles): the very PDF that WeasyPrint's own
copies of the font files give, made without copying the files."""
from __future__ import annotations

import tracemalloc

import weasyprint

from app.documents import fontfiles
from tests.documents.conftest import pdf_fonts

# Two Noto CJK faces (each a font collection of 20 MB or more on disk), set in Chinese.
HTML = ("<html lang='zh-CN'><body style=\"font-family: 'Noto Serif CJK SC'\"><p>试点通验收报告</p>"
        "<p style=\"font-family: 'Noto Sans CJK SC'; font-weight: bold\">专家组意见：同意通过验收。</p></body></html>")


def _write(lent: bool, traced: bool = True, **options) -> tuple[bytes, int | None]:
    """The PDF, and (``traced``) the most memory Python held while it was written (bytes):
    tracing makes writing whole font files three times slower."""
    document = weasyprint.HTML(string=HTML).render()
    if traced:
        tracemalloc.start()
    try:
        if lent:
            with fontfiles.lent():
                pdf = document.write_pdf(**options)
        else:
            pdf = document.write_pdf(**options)
        return pdf, tracemalloc.get_traced_memory()[1] if traced else None
    finally:
        if traced:
            tracemalloc.stop()


def test_installed_on_the_weasyprint_it_was_written_for():
    """Fails when WeasyPrint is upgraded: read fontfiles' docstring against the new ``Font``."""
    assert weasyprint.__version__ == fontfiles.SUPPORTED
    assert fontfiles.installed()


def test_a_lent_render_is_the_same_pdf_without_copying_the_font_files():
    copied, copied_peak = _write(lent=False)
    lent, lent_peak = _write(lent=True)
    assert lent == copied
    fonts = {row["name"].split("+")[-1]: row for row in pdf_fonts(lent)}
    assert set(fonts) == {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
    assert all(row["emb"] == row["sub"] == "yes" for row in fonts.values())  # embedded, subset
    # Copying the two collections holds some 40 MB; lent, only the subsets and the PDF itself.
    assert copied_peak > 30_000_000, copied_peak
    assert lent_peak < copied_peak / 4, (lent_peak, copied_peak)


def test_a_face_left_whole_is_embedded_from_a_copy_as_before():
    """``full_fonts``: nothing is subset, so the lent view is copied into bytes when embedded."""
    copied, _ = _write(lent=False, traced=False, full_fonts=True)
    lent, _ = _write(lent=True, traced=False, full_fonts=True)
    assert lent == copied
    assert len(lent) > 10_000_000  # the whole files are in it


def test_outside_lent_weasyprint_copies_as_shipped():
    document = weasyprint.HTML(string=HTML).render()
    made = []
    original = weasyprint.pdf.fonts.Font.clean

    def spy(font, *args, **kwargs):
        made.append(type(font.file_content))
        return original(font, *args, **kwargs)

    weasyprint.pdf.fonts.Font.clean = spy
    try:
        document.write_pdf()
        with fontfiles.lent():
            weasyprint.HTML(string=HTML).render().write_pdf()
    finally:
        weasyprint.pdf.fonts.Font.clean = original
    assert made[:2] == [bytes, bytes] and made[2:] == [memoryview, memoryview], made
