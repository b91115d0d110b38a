"""Bounds on what a request may carry, checked before anything parses or queries it."""
from __future__ import annotations

import re
import sys
from itertools import accumulate

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import (
    BadRequest,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestURITooLarge,
)
from werkzeug.routing import IntegerConverter

# Ids and versions are INTEGER columns: 32 bits on PostgreSQL. A larger number names nothing,
# and handed to a driver it is an overflow (SQLite) or an out-of-range error, not a "not found".
MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000
# Form field names the pages use nest at most three levels (scores.quality.score); a name
# nested thousands deep would be rebuilt as thousands of nested dicts by the action form.
MAX_FIELD_NAME = 200
MAX_FIELD_DOTS = 8


def ascii_int(text: str | None) -> int | None:
    """``text`` as a number when it is ASCII digits alone (up to 18 of them), else None.
    ``str.isdigit`` is not enough: it accepts '²' and '①', which ``int()`` refuses."""
    if text and len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None


def decimal_regex(bound: int, zero: bool = True) -> str:
    """A regex for the decimal numbers up to ``bound`` without leading zeros (1..bound, and 0
    if ``zero``), so a larger number fails the route's pattern itself."""
    digits = str(bound)
    options = ["0"] if zero else []
    if len(digits) > 1:
        options.append(rf"[1-9]\d{{0,{len(digits) - 2}}}")
    for i, digit in enumerate(digits):
        rest = len(digits) - i - 1
        low = 1 if i == 0 else 0
        if int(digit) > low:
            tail = rf"\d{{{rest}}}" if rest else ""
            options.append(f"{digits[:i]}[{low}-{int(digit) - 1}]{tail}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class BoundedIntConverter(IntegerConverter):
    """``<int:name>``: 0 to MAX_ID; anything larger matches no route, so it is a 404 before a
    query runs. Replaces werkzeug's unbounded ``int`` for every route of the app. The bound is
    in the pattern, not only in to_python: a value refused there would make werkzeug answer 405
    when another method's rule shares the path."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False):
        bound = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(url_map, fixed_digits, min, bound, signed)
        if not fixed_digits and not signed:
            self.regex = decimal_regex(bound, zero=min is None or min <= 0)


def bounded_int(value, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A form or query value as an int within the bounds, else None (never an exception)."""
    text = str(value or "").strip()
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def page_number(args) -> int:
    """``?page=`` of a list page: 1 unless a sensible page number is given."""
    return bounded_int(args.get("page"), 1, MAX_PAGE) or 1


# --- JSON -----------------------------------------------------------------------------------
# Strings are cut out before brackets are counted; the closing quote is optional so an
# unterminated string cannot make the scan quadratic.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_too_deep(raw: bytes, limit: int) -> bool:
    """Whether a JSON text nests arrays and objects more than ``limit`` deep, found without
    parsing it. The count stops at the first bracket past the limit: a text 100,000 deep costs
    what one ``limit`` deep does (counting all of it was 25 ms of a server's time per request)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return any(depth > limit for depth in accumulate(_DEPTH_STEP[b] for b in brackets))


def check_json_body() -> None:
    """Size and depth of a JSON body before any parser (Flask's, webargs') sees it: Python's
    parser recurses, and 100,000 nested brackets are a RecursionError, not a 400."""
    limit = current_app.config["JSON_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(str(_l("The request body is too large.")))
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise RequestEntityTooLarge(str(_l("The request body is too large.")))
    if json_too_deep(raw, current_app.config["JSON_MAX_DEPTH"]):
        raise BadRequest(str(_l("The JSON body is nested too deeply.")))


def check_form_names() -> None:
    for name in request.form:
        name = name or ""  # a multipart part without a name has None
        if len(name) > MAX_FIELD_NAME or name.count(".") > MAX_FIELD_DOTS:
            raise BadRequest(str(_l("The form has a field name that is too long.")))


def check_number_lengths(values) -> None:
    """A number longer than Python will convert (4,300 digits) makes any int() raise
    ValueError; no field holds one, so it is refused before a view tries."""
    limit = sys.get_int_max_str_digits() or 4300
    for value in values:
        if len(value) > limit and value.strip().lstrip("+-").isdigit():
            raise BadRequest(str(_l("A number in the request is too long.")))


# --- request line and headers ---------------------------------------------------------------
def check_request_line_and_headers() -> None:
    """The server's own limits (gunicorn, nginx) answer in their own words; these are set
    below them (docs/deployment.md) so a client that overreaches hears it in ours."""
    config = current_app.config
    if len(request.path) + len(request.query_string) + 1 > config["MAX_URL_BYTES"]:
        raise RequestURITooLarge(str(_l("The address (URL) is too long.")))
    headers = list(request.headers.items())
    if len(headers) > config["MAX_HEADER_COUNT"] or any(
            len(name) + len(value) > config["MAX_HEADER_BYTES"] for name, value in headers):
        raise RequestHeaderFieldsTooLarge(str(_l("The request headers are too large.")))


def refuse_oversized_requests() -> None:
    """before_request, first of all: bounds on the request line, headers and bodies."""
    check_request_line_and_headers()
    check_number_lengths(value for _, value in request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            check_json_body()
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            check_form_names()
            check_number_lengths(value for _, value in request.form.items(multi=True))


def register(app: Flask) -> None:
    """The converter must be in place before any blueprint adds its rules."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_oversized_requests)
