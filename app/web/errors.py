"""Error pages and the mapping of domain errors to HTTP statuses: 403 shows the policy's
reason, 404 hides what the user may not see, 409 says why the item cannot move, 422 lists
the field errors, 400 covers a missing or stale CSRF token."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.errors import Conflict, Denied, Invalid, NotFound


def _page(template: str, status: int, **context):
    if request.path.startswith("/api/"):  # a JSON client that reached an HTML handler
        body = {"status": status, "message": context.get("reason") or "", "errors": context.get("errors") or {}}
        return jsonify(body), status
    return render_template(template, **context), status


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
        return _page("errors/422.html", 422, errors=exc.errors)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _page("errors/400.html", 400,
                     reason=_("The form's security token is missing or has expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code in (403, 404, 400, 409, 500):
            return _page(f"errors/{exc.code}.html", exc.code, reason="")
        if exc.code == 413:
            limit = current_app.config["UPLOAD_MAX_BYTES"]
            size = f"{limit / 2**20:.0f} MB" if limit >= 2**20 else f"{limit // 1024} KB"
            return _page("errors/400.html", 413, reason=_("The upload is too large: files may be at most %(size)s.",
                                                          size=size))
        return exc

    @app.errorhandler(500)
    def _server_error(exc):
        return _page("errors/500.html", 500)
