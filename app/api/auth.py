"""Bearer-token authentication and the small input helpers every endpoint shares.

A token acts as its user: the actor handed to the services is that User, so the API sees and
may do exactly what the user's web pages allow.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    request,
)
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, Unauthorized

from app import clock
from app.api.schemas import VersionSchema
from app.database import before_commit, begin_writing, transaction
from app.errors import Invalid
from app.i18n import refresh
from app.models import User
from app.schemas import load, refuse_unstorable_text
from app.services.commands import tokens

SECURITY_SCHEME = {"type": "http", "scheme": "bearer",
                   "description": "A personal API token (Settings → API tokens, or `flask users token create`)."}


_TOUCH = "api_token_touch"  # g: (token id, time) of a last-used time still to write
WRITES_AT_ONCE = "pilotflow_writes_at_once"  # a view attribute: see ``writes_at_once``


def writes_at_once(view):
    """Mark an API view whose request goes straight to its unit of work (a workflow step with no
    signature to prepare and no upload): its transaction begins as a writer before the token is
    read (``database.begin_writing``), so the request is one transaction, not a read ended before
    a write. A request whose token is malformed never begins it."""
    setattr(view, WRITES_AT_ONCE, True)
    return view


def authenticate_request() -> None:
    """before_request of every API blueprint: resolve the token to a user, or 401. Only reads:
    the token's last-used time (at most once a minute) rides along with the request's own write
    transaction, or is written after the response has gone when the request writes nothing."""
    refresh()  # the locale is cached per app context, which a test client's requests may share
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized()
    secret = secret.strip()
    if tokens.well_formed(secret) and getattr(current_app.view_functions.get(request.endpoint), WRITES_AT_ONCE, False):
        begin_writing()
    now = clock.now()
    token = tokens.usable_token(secret, now)
    if token is None:
        raise Unauthorized()
    g.api_user = token.User  # held for the request: the identity map keeps only what is referenced
    if tokens.touch_due(token, now):
        g.setdefault(_TOUCH, (token.id, now))
    refuse_unstorable_text(request.args.to_dict(flat=False), "query")


def _touch_in_transaction() -> None:
    """before-commit hook: the pending last-used time joins the request's write transaction."""
    if has_request_context() and (pending := g.pop(_TOUCH, None)) is not None:
        tokens.touch(*pending)


def _touch_after_response(response: Response) -> Response:
    """after_request: a request that wrote nothing leaves its last-used time for after the
    response is sent: its own short transaction, which never queues for the write lock (when
    another writer holds it, a later request records the use) and writes nothing when another
    request already did."""
    pending = g.pop(_TOUCH, None)
    if pending is not None:
        app = current_app._get_current_object()

        def write() -> None:
            with app.app_context():
                try:
                    with transaction(wait=False):
                        tokens.touch(*pending)
                except Exception as exc:  # bookkeeping: a later request records the use
                    app.logger.info("API token's last use not recorded now: %s", exc)
        response.call_on_close(write)
    return response


def register_touch(app: Flask) -> None:
    before_commit(app, _touch_in_transaction)


def actor() -> User:
    return g.api_user


def protect(blueprint: Blueprint) -> None:
    """A resource's token check (no cache keeps its answers either: ``blueprint.private``)."""
    blueprint.before_request(authenticate_request)
    blueprint.after_request(_touch_after_response)


def json_body() -> dict:
    """The request's JSON object (400 for malformed JSON, 422 for anything but an object)."""
    try:
        data = request.get_json()
    except BadRequest:  # werkzeug's words, in English alone (a body that is not JSON at all is a 415)
        raise BadRequest(str(_l("The request body is not valid JSON."))) from None
    if not isinstance(data, dict):
        raise Invalid({"_": str(_l("Send a JSON object."))})
    refuse_unstorable_text(data)
    return data


_VERSION = VersionSchema()  # (stateless: one instance serves every request)


def expected_version(data: dict) -> int:
    return load(_VERSION, data)["version"]
