"""WeasyPrint rendering of the print layouts, with a URL fetcher that serves only our own static files."""
from __future__ import annotations

import atexit
import mimetypes
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.documents import fontfiles

STATIC_SCHEME = "pilotflow-static"
# What a print layout may pull in: stylesheets, images and fonts shipped with the product.
SERVABLE = {".css", ".png", ".jpg", ".jpeg", ".svg", ".woff", ".woff2", ".otf", ".ttf"}
CSS_PX_TO_PT = 0.75
FIELD_ANCHOR_PREFIX = "sig-"
PRINT_CSS = "documents/print.css"  # the print stylesheet every issued document links
PRINT_CSS_LINK = f'<link rel="stylesheet" href="{STATIC_SCHEME}:{PRINT_CSS}">'


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


class _Reused(threading.local):
    """Per worker thread: one FontConfiguration (fontconfig's set-up is a tenth of a render) and
    the print stylesheet parsed against it, kept across renders. Per thread, because neither is
    meant to be shared between threads; rebuilt when the stylesheet's file changes."""

    font_config: FontConfiguration | None = None
    print_css: CSS | None = None
    key: tuple | None = None


_reused = _Reused()


@atexit.register
def _let_go() -> None:
    """Drop the kept FontConfiguration and stylesheet while the interpreter is still whole: left
    to the interpreter's teardown, freeing them crashed a `flask worker --burst` (SIGSEGV) at exit."""
    _reused.font_config = _reused.print_css = _reused.key = None


def _print_stylesheet(root: Path) -> tuple[FontConfiguration, CSS]:
    path = root / PRINT_CSS
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _reused.key != key or _reused.print_css is None:
        font_config = _reused.font_config or FontConfiguration()
        fetcher = StaticOnlyFetcher(root)  # the stylesheet may pull in only our static files too
        _reused.print_css = CSS(string=path.read_text(encoding="utf-8"), base_url=f"{STATIC_SCHEME}:{PRINT_CSS}",
                                url_fetcher=fetcher, media_type="print", font_config=font_config)
        _reused.font_config, _reused.key = font_config, key
    return _reused.font_config, _reused.print_css


def render_html(html: str, *, root: str | Path | None = None) -> Rendered:
    """Lay out ``html`` and write the PDF; every element whose id starts with ``sig-``
    becomes a place for a signature field (its box is measured from the laid-out page).

    The linked print stylesheet is the one parsed once per worker thread (with the reused font
    configuration); HarfBuzz still subsets the fonts of every PDF, from font files it is lent
    rather than copies of them."""
    root = Path(root or static_root()).resolve()
    fetcher = StaticOnlyFetcher(root)
    font_config, stylesheets = _reused.font_config, []
    if PRINT_CSS_LINK in html:
        font_config, print_css = _print_stylesheet(root)
        html, stylesheets = html.replace(PRINT_CSS_LINK, "", 1), [print_css]
    elif font_config is None:
        font_config = _reused.font_config = FontConfiguration()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher, media_type="print").render(
        font_config=font_config, stylesheets=stylesheets)
    boxes = []
    for index, page in enumerate(document.pages):
        height_pt = page.height * CSS_PX_TO_PT
        for anchor, (x0, y0, x1, y1) in page.anchors.items():
            if anchor.startswith(FIELD_ANCHOR_PREFIX):
                boxes.append(FieldBox(anchor[len(FIELD_ANCHOR_PREFIX):], index, (
                    round(x0 * CSS_PX_TO_PT), round(height_pt - y1 * CSS_PX_TO_PT),
                    round(x1 * CSS_PX_TO_PT), round(height_pt - y0 * CSS_PX_TO_PT))))
    with fontfiles.lent():  # the fonts' files are read where they lie, not copied (app.documents.fontfiles)
        pdf = document.write_pdf()
    return Rendered(pdf=pdf, pages=len(document.pages), fields=boxes, refused_urls=fetcher.refused)


def render_template_pdf(template: str, **context) -> Rendered:
    """Render a print layout from templates/documents/ (Jinja autoescapes user text)."""
    from flask import render_template

    return render_html(render_template(template, **context))

