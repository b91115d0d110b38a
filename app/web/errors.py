"""Error pages and the mapping of domain errors to HTTP statuses: 403 shows the policy's
reason, 404 hides what the user may not see, 409 says why the item cannot move, 422 lists
the field errors, 400 covers a missing or stale CSRF token, and every other client error
(too large, too long, too many requests…) gets the error page with a sentence of its own.
A request under /api/ that ends here is answered in the API's JSON shape instead."""
from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from app.api import errors as api_errors
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.ratelimits import retry_after_seconds
from app.schemas import field_labels

REASONS = {
    405: _l("This page does not accept this kind of request."),
    414: _l("The address (URL) is too long."),
    415: _l("This kind of content is not accepted here."),
    431: _l("The request headers are too large. Clearing this site's cookies may help."),
}
OUT_OF_RANGE = _l("A value is out of the range the system can store.")


def _page(template: str, status: int, headers: dict | None = None, **context):
    if request.path.startswith(api_errors.API_PREFIX):  # a JSON client that reached an HTML handler
        fields = context.get("errors") or None
        return api_errors.error_response(status, context.get("reason") or "", fields, headers)
    return render_template(template, status=status, **context), status, headers or {}


def _too_large() -> str:
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    size = f"{limit / 2**20:.0f} MB" if limit >= 2**20 else f"{limit // 1024} KB"
    return _("The upload is too large: files may be at most %(size)s.", size=size)


def _client_error(exc: HTTPException):
    status = exc.code
    if status == 413:
        return _page("errors/400.html", 413, reason=_too_large())
    if status == 429:
        seconds = retry_after_seconds()
        return _page("errors/400.html", 429, {"Retry-After": str(seconds)},
                     reason=_("Too many attempts in a short time. Please wait %(n)d seconds and try again.",
                              n=seconds))
    return _page("errors/400.html", status, reason=str(REASONS.get(status, "")))


def register(app: Flask) -> None:
    @app.errorhandler(Denied)
    def _denied(exc: Denied):
        return _page("errors/403.html", 403, reason=exc.reason)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return _page("errors/404.html", 404)

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        return _page("errors/409.html", 409, reason=str(exc))

    @app.errorhandler(Invalid)
    def _invalid(exc: Invalid):
        return _page("errors/422.html", 422, errors=exc.errors, labels=field_labels())

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _page("errors/400.html", 400,
                     reason=_("The form's security token is missing or has expired. Reload the page and try again."))

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(exc: Exception):
        """A number no column can hold that got past the bounds (SQLite raises OverflowError,
        PostgreSQL a DataError): the client's input, not a server error."""
        db.session.rollback()
        return _page("errors/422.html", 422, errors={"_": str(OUT_OF_RANGE)})

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if request.path.startswith(api_errors.API_PREFIX):
            return api_errors.handle_http(exc)
        if exc.code in (403, 404, 400, 409, 500):
            return _page(f"errors/{exc.code}.html", exc.code, reason="")
        if exc.code and 400 <= exc.code < 500:
            return _client_error(exc)
        return exc

    @app.errorhandler(500)
    def _server_error(exc):
        return _page("errors/500.html", 500)
