"""Where a redirect (or a "Back" link) taken from the request may lead: only to a page of
this product, never to anything a browser could read as another host."""
from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

MAX_LENGTH = 2048
# Non-ASCII (a Chinese search term in the query) is percent-encoded as a browser sends it;
# printable ASCII stays as it is.
_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))


def _unsafe_characters(text: str) -> bool:
    """Spaces and control characters (browsers silently drop tabs and newlines, so "/\\t/evil"
    becomes "//evil") and backslashes (browsers read "/\\evil" as "//evil")."""
    return any(ord(c) <= 0x20 or ord(c) == 0x7F for c in text) or "\\" in text


def _decoded(path: str) -> str:
    """The path as any later decoder might see it: percent-decoded until it stops changing."""
    for _ in range(4):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return path


def _is_own_page(path: str) -> bool:
    """The path names a GET page of this app (or one its routing redirects to, like a missing
    trailing slash)."""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def safe_target(value, default: str) -> str:
    """``value`` if it is a path to one of the product's own pages, else ``default``."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH or _unsafe_characters(value):
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default  # a scheme (http:, javascript:), a scheme-relative //host, or relative
    target = quote(value, safe=_PRINTABLE)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    path = _decoded(parts.path)
    segments = path.split("/")
    if (path.startswith("//") or _unsafe_characters(path) or "." in segments or ".." in segments
            or not _is_own_page(path)):
        return default  # e.g. /%2F%2Fevil, /%5Cevil, /.//evil, /%2e%2e//evil
    return target


def back_link() -> str | None:
    """The referring page of this site, for an error page's "Back" button; None otherwise."""
    referrer, own = request.referrer or "", request.host_url
    if not referrer.startswith(own):
        return None
    return safe_target("/" + referrer[len(own):], "") or None
