"""WeasyPrint rendering of the print layouts, with a URL fetcher that serves only our own static files."""
from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "pilotflow-static"
# What a print layout may pull in: stylesheets, images and fonts shipped with the product.
SERVABLE = {".css", ".png", ".jpg", ".jpeg", ".svg", ".woff", ".woff2", ".otf", ".ttf"}
CSS_PX_TO_PT = 0.75
FIELD_ANCHOR_PREFIX = "sig-"


class StaticOnlyFetcher(URLFetcher):
    """Serves ``pilotflow-static:<path>`` from the product's static folder and refuses
    everything else — no ``file://``, no ``http(s)://``, no ``data:`` — so text an applicant
    typed can never pull a server file or a URL into a PDF. Refused URLs are recorded."""

    def __init__(self, static_root: str | Path):
        super().__init__(fail_on_errors=False, allowed_protocols=(STATIC_SCHEME,))
        self.root = Path(static_root).resolve()
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme, _, rest = url.partition(":")
        path = (self.root / unquote(rest).lstrip("/")).resolve() if scheme.lower() == STATIC_SCHEME else None
        if (path is None or not path.is_relative_to(self.root) or path.suffix.lower() not in SERVABLE
                or not path.is_file()):
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url!r}: documents may use only the product's static files")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": content_type})


@dataclass(frozen=True)
class FieldBox:
    """Where an empty signature field goes: page index and (x0, y0, x1, y1) in PDF points."""

    name: str
    page: int
    box: tuple[int, int, int, int]


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    fields: list[FieldBox] = field(default_factory=list)
    refused_urls: list[str] = field(default_factory=list)


def static_root() -> Path:
    from flask import current_app

    return Path(current_app.static_folder)


def render_html(html: str, *, root: str | Path | None = None) -> Rendered:
    """Lay out ``html`` and write the PDF; every element whose id starts with ``sig-``
    becomes a place for a signature field (its box is measured from the laid-out page)."""
    fetcher = StaticOnlyFetcher(root or static_root())
    document = HTML(string=html, base_url=None, url_fetcher=fetcher, media_type="print").render()
    boxes = []
    for index, page in enumerate(document.pages):
        height_pt = page.height * CSS_PX_TO_PT
        for anchor, (x0, y0, x1, y1) in page.anchors.items():
            if anchor.startswith(FIELD_ANCHOR_PREFIX):
                boxes.append(FieldBox(anchor[len(FIELD_ANCHOR_PREFIX):], index, (
                    round(x0 * CSS_PX_TO_PT), round(height_pt - y1 * CSS_PX_TO_PT),
                    round(x1 * CSS_PX_TO_PT), round(height_pt - y0 * CSS_PX_TO_PT))))
    pdf = document.write_pdf()
    return Rendered(pdf=pdf, pages=len(document.pages), fields=boxes, refused_urls=fetcher.refused)


def render_template_pdf(template: str, **context) -> Rendered:
    """Render a print layout from templates/documents/ (Jinja autoescapes user text)."""
    from flask import render_template

    return render_html(render_template(template, **context))

