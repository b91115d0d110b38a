"""Bearer-token authentication and the small input helpers every endpoint shares.

A token acts as its user: the actor handed to the services is that User, so the API sees and
may do exactly what the user's web pages allow.
"""
from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from werkzeug.exceptions import Unauthorized

from app.api.schemas import VersionSchema
from app.database import transaction
from app.errors import Invalid
from app.extensions import db
from app.models import User
from app.schemas import load, refuse_unstorable_text
from app.services.commands import tokens

SECURITY_SCHEME = {"type": "http", "scheme": "bearer",
                   "description": "A personal API token (Settings → API tokens, or `flask users token create`)."}


def authenticate_request() -> None:
    """before_request of every API blueprint: resolve the token to a user, or 401."""
    refresh()  # the locale is cached per app context, which a test client's requests may share
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized()
    with transaction():
        user = tokens.authenticate(secret.strip())
        user_id = user.id if user is not None else None
    if user_id is None:
        raise Unauthorized()
    g.api_user_id = user_id
    refuse_unstorable_text(request.args.to_dict(flat=False), "query")


def actor() -> User:
    return db.session.get(User, g.api_user_id)


def protect(blueprint: Blueprint) -> None:
    blueprint.before_request(authenticate_request)


def json_body() -> dict:
    """The request's JSON object (400 for malformed JSON, 422 for anything but an object)."""
    data = request.get_json(silent=False)
    if not isinstance(data, dict):
        raise Invalid({"_": str(_l("Send a JSON object."))})
    refuse_unstorable_text(data)
    return data


def expected_version(data: dict) -> int:
    return load(VersionSchema(), data)["version"]
