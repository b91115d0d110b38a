"""Every API error is JSON of one shape: {status, error, message, fields?}.

Domain errors map as everywhere (Denied 403 with the policy's reason, NotFound 404, Conflict
409, Invalid 422 with per-field messages); HTTP errors keep their status. Messages pass
through gettext when the response is built, so Accept-Language picks the language.
"""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.ratelimits import retry_after_seconds
from app.schemas import localise

API_PREFIX = "/api/"

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 414: "uri_too_long",
          415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
          431: "request_header_fields_too_large", 500: "server_error"}
# The statuses whose werkzeug description is not a sentence for the API's users.
_MESSAGES = {
    413: _l("The request body is too large."),
    414: _l("The address (URL) is too long."),
    415: _l("Send the body as application/json (or multipart/form-data for files)."),
    431: _l("The request headers are too large."),
}


def error_response(status: int, message: str, fields: dict | None = None, headers: dict | None = None):
    body = {"status": status, "error": _CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = {k: localise(v) for k, v in fields.items()}
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def flatten(messages, prefix: str = "") -> dict[str, str]:
    """marshmallow/webargs nested messages → {"dotted.field": "first message"}."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(flatten(value, path))
            else:
                out[path] = str(value[0]) if isinstance(value, list) and value else str(value)
    elif messages:
        out[prefix or "_"] = str(messages[0] if isinstance(messages, list) else messages)
    return out


def _webargs_fields(exc: HTTPException) -> dict[str, str]:
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    # webargs nests by location ({"query": {...}, "json": {...}}); the location is noise here.
    merged: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            merged.update(location_messages)
    return flatten(merged)


def handle_denied(exc: Denied):
    return error_response(403, _(str(exc.reason)))


def handle_not_found(exc: NotFound):
    return error_response(404, _("Not found, or not visible to you."))


def handle_conflict(exc: Conflict):
    return error_response(409, _(str(exc)))


def handle_invalid(exc: Invalid):
    return error_response(422, _("Some fields are not valid."), exc.errors)


def handle_http(exc: HTTPException):
    status = exc.code or 500
    headers = {}
    fields = _webargs_fields(exc) if status in (400, 422) else {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="pilotflow"'
        message = _("Send a valid API token: Authorization: Bearer <token>.")
    elif fields:
        message = _("Some fields are not valid.")
    elif status == 404:
        message = _("Not found, or not visible to you.")
    elif status == 405:
        message = _("This method is not allowed here.")
    elif status == 429:
        seconds = retry_after_seconds()
        headers["Retry-After"] = str(seconds)
        message = _("Too many requests; wait %(n)d seconds and try again.", n=seconds)
    elif status in _MESSAGES:
        message = str(_MESSAGES[status])
    else:
        message = _(exc.description or exc.name)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return error_response(status, message, fields, headers)


def handle_data_error(exc: DataError | OverflowError):
    """Input the database refused (a value out of its range…): the client's mistake, not ours."""
    db.session.rollback()
    return error_response(422, _("A value is out of the range the system can store."))


def handle_integrity_error(exc: IntegrityError):
    db.session.rollback()
    return error_response(409, _("This conflicts with the current data; reload and try again."))


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    current_app.logger.exception("API request failed: %s %s", request.method, request.path)
    db.session.rollback()
    return error_response(500, _("Something went wrong on our side; the error is logged."))


HANDLERS = ((Denied, handle_denied), (NotFound, handle_not_found), (Conflict, handle_conflict),
            (Invalid, handle_invalid), (HTTPException, handle_http), (DataError, handle_data_error),
            (OverflowError, handle_data_error),
            (IntegrityError, handle_integrity_error), (Exception, handle_unexpected))


def register_on(blueprint: Blueprint) -> None:
    """Blueprint-level handlers win over the app's HTML error pages for API requests."""
    for exc_class, handler in HANDLERS:
        blueprint.register_error_handler(exc_class, handler)


def register_routing_errors(app: Flask) -> None:
    """404/405 raised by routing belong to no blueprint: answer JSON under /api/, and leave
    every other path to whatever the web pages registered for HTTP errors. Registered per
    status code, which Flask consults before any handler registered for HTTPException."""

    def routing_error(exc: HTTPException):
        if request.path.startswith(API_PREFIX):
            return handle_http(exc)
        generic = current_app.error_handler_spec.get(None, {}).get(None, {}).get(HTTPException)
        return generic(exc) if generic is not None else exc

    for status in (404, 405):
        app.register_error_handler(status, routing_error)
