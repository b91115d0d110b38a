"""The visible stamp of the Office's seal (电子印章): a round red seal, the organisation's name
along the upper edge, a five-pointed star in the middle and 电子印章 under it — vector graphics
drawn here (SVG laid out by WeasyPrint into a one-page PDF), used by pyHanko as the appearance
of the seal's signature field. No image file is involved; the name is escaped into the SVG."""
from __future__ import annotations

import functools
import math
from io import BytesIO

from markupsafe import escape
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    BoxConstraints,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle

from app.documents.render import render_html

SEAL_RED = "#d40000"
SIZE = 200          # SVG user units (the circle's box); laid out as SEAL_MM millimetres
SEAL_MM = 40
CAPTION = "电子印章"


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return f'<polygon points="{" ".join(points)}" fill="{SEAL_RED}"/>'


def _arc_text(name: str, cx: float, cy: float, radius: float) -> str:
    """One upright glyph per character, turned to the tangent, clockwise along the top."""
    chars = list(name) or [" "]
    span = min(250.0, 22.0 * len(chars))        # degrees of the edge the name occupies
    size = min(28.0, radius * math.radians(span) / len(chars) * 0.92)
    glyphs = []
    for i, char in enumerate(chars):
        theta = -span / 2 + span * (i + 0.5) / len(chars)
        x = cx + radius * math.sin(math.radians(theta))
        y = cy - radius * math.cos(math.radians(theta))
        glyphs.append(f'<text x="{x:.2f}" y="{y + size * 0.36:.2f}" font-size="{size:.1f}" '
                      f'text-anchor="middle" transform="rotate({theta:.2f} {x:.2f} {y:.2f})">{escape(char)}</text>')
    return "".join(glyphs)


def seal_svg(organisation: str) -> str:
    c = SIZE / 2
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SEAL_MM}mm" height="{SEAL_MM}mm" '
            f'viewBox="0 0 {SIZE} {SIZE}">'
            f'<circle cx="{c}" cy="{c}" r="{c - 5}" fill="none" stroke="{SEAL_RED}" stroke-width="7"/>'
            f'<g fill="{SEAL_RED}" font-family="Noto Serif CJK SC, Noto Sans CJK SC, serif" font-weight="bold">'
            f'{_arc_text(organisation[:24], c, c, c - 30)}'
            f'<text x="{c}" y="{c + 52}" font-size="17" text-anchor="middle">{CAPTION}</text></g>'
            f'{_star(c, c - 2, 34)}</svg>')


@functools.lru_cache(maxsize=8)
def seal_pdf(organisation: str) -> bytes:
    """A one-page PDF exactly the size of the seal (laid out once per name and process)."""
    html = (f'<!doctype html><html><head><meta charset="utf-8"><style>@page {{ size: {SEAL_MM}mm {SEAL_MM}mm; '
            f'margin: 0 }} html, body {{ margin: 0 }} svg {{ display: block }}</style></head>'
            f'<body>{seal_svg(organisation)}</body></html>')
    return render_html(html).pdf


class _PdfPageBytes(PdfContent):
    """The first page of an in-memory PDF as a form XObject (pyHanko's ImportedPdfPage reads files)."""

    def __init__(self, pdf: bytes):
        super().__init__()
        self.pdf = pdf

    def render(self) -> bytes:
        xobj = self._ensure_writer.import_page_as_xobject(PdfFileReader(BytesIO(self.pdf)), page_ix=0)
        name = "/SealImage"
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
        return name.encode() + b" Do"


def seal_style(organisation: str) -> StaticStampStyle:
    """The stamp style of the seal's signature field: the round seal, centred, no frame."""
    return StaticStampStyle(background=_PdfPageBytes(seal_pdf(organisation)), border_width=0,
                            background_opacity=0.9,
                            background_layout=SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID,
                                                                  y_align=AxisAlignment.ALIGN_MID,
                                                                  margins=Margins.uniform(1)))

