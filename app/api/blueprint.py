"""The one way to make an API resource blueprint: token-protected, JSON errors."""
from __future__ import annotations

from datetime import date
from http import HTTPStatus

from flask import Response, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import RAISE
from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from app.api import errors
from app.api.auth import protect
from app.bounds import MAX_ID, BoundedIntConverter
from app.errors import Invalid
from app.ratelimits import WRITES

PREFIX = "/api/v1"
# Statuses every operation may answer besides its success (documented as ErrorSchema bodies).
COMMON_ERRORS = (401, 403, 404, 409, 422)
# The endpoints of the OpenAPI document (flask-smorest's) and the reference page (app.api.docs).
DOCUMENTS = frozenset({"api-docs.openapi_json", "api_docs.reference"})


class IdConverter(BoundedIntConverter):
    """``<id:name>``: a row id, 1 to 2³¹−1; anything else is a 404 before a query runs."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1)


def id_parameter_schema(converter) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID, "example": 1}


class YearConverter(IntegerConverter):
    """``<year:name>``: a calendar year, 1 to 9999 (what a date can hold); anything else is a 404."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=9999)


def year_parameter_schema(converter) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": 9999, "example": 2026}


class IsoDateConverter(BaseConverter):
    """``<isodate:name>``: a calendar date written YYYY-MM-DD; anything else (2026-02-30 too) is
    a 404 before a query runs."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


def date_parameter_schema(converter) -> dict:
    return {"type": "string", "format": "date", "example": "2026-10-01"}


class Blueprint(SmorestBlueprint):
    """A resource: its Flask name is prefixed ``api_`` (the web pages own the plain names);
    its operations are tagged with the plain name in the OpenAPI document."""

    def __init__(self, tag: str, *args, **kwargs):
        super().__init__(f"api_{tag}", *args, **kwargs)
        self.tag = tag

    def route(self, rule, *, parameters=None, tags=None, **options):
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)


def private(response: Response) -> Response:
    """after_request of the app: what a token's user may see is theirs alone, so no cache (a
    proxy's, the client's disk) keeps an answer under /api/v1/; refusals too, for one rule —
    routing's 404 and 405 and the request guards' 413, 414 and 431 included, which reach no
    API blueprint. The OpenAPI document and the reference page, which need no token, stay cacheable."""
    if f"{request.path}/".startswith(f"{PREFIX}/") and request.endpoint not in DOCUMENTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def api_blueprint(name: str, path: str, description: str) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=PREFIX + path, description=description)
    errors.register_on(bp)
    protect(bp)
    bp._prepare_doc_cbks.append(_rate_limited_writes)  # (flask-smorest's list of what documents an operation)
    return bp


def _rate_limited_writes(doc: dict, _doc_info: dict, *, method: str, **_kwargs) -> dict:
    """Every write of a token-protected resource counts against the token's rate limit
    (app.ratelimits: ``RATELIMIT_API_WRITES``), so each documents its 429."""
    if method.upper() in WRITES:
        limited = HTTPStatus.TOO_MANY_REQUESTS
        doc.setdefault("responses", {}).setdefault(limited.value, limited.name)
    return doc


def json_request_body(schema) -> dict:
    """The ``requestBody`` of an operation whose JSON body the service itself loads with
    ``schema`` (the shared command schema): documented here, validated once, in the service."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def multipart_request_body(schema) -> dict:
    """The ``requestBody`` of a multipart upload. ``schema`` names every part the operation
    reads and refuses the rest (``Meta.unknown = RAISE``: ``additionalProperties: false`` in the
    document); the view calls ``refuse_unknown_parts(schema)`` to enforce it."""
    if schema.opts.unknown != RAISE:
        raise TypeError(f"{schema.__name__} must refuse unknown parts (Meta.unknown = RAISE)")
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def refuse_unknown_parts(schema) -> None:
    """A multipart body with a part ``schema`` does not name is refused (422, each unknown
    part named), as a JSON body with an unknown field is."""
    sent = {"" if name is None else name for name in (*request.form, *request.files)}  # a part may lack a name
    unknown = sorted(sent - set(schema().fields))
    if unknown:
        raise Invalid({name: str(_l("Unknown field.")) for name in unknown})


def documented_errors(bp: Blueprint, *statuses: int):
    """Document the error statuses an operation can answer (each with the ErrorSchema body)."""
    def decorator(func):
        for status in statuses or COMMON_ERRORS:
            func = bp.alt_response(status, HTTPStatus(status).name)(func)
        return func
    return decorator
