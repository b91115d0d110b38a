"""Rate limits (Flask-Limiter) on what is worth guessing or flooding: sign-in per account and
per client address, document verification per client, API writes per token. Each limit is a
config value read per request (app.config), answered 429 with Retry-After in the product's
error shape (app.web.errors, app.api.errors).

One Limiter per app rather than one in app.extensions: Flask-Limiter keeps its switch and its
counters on the instance, and apps built side by side (tests, the browser tests' live server)
must not share them.
"""
from __future__ import annotations

import hashlib
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

WRITES = ["POST", "PUT", "PATCH", "DELETE"]


def client_address() -> str:
    """The client's address: the real one when the trusted proxy passes it (app.security)."""
    return "ip:" + get_remote_address()


def submitted_account() -> str:
    return "account:" + request.form.get("username", "").strip().lower()[:64]


def bearer_token() -> str:
    """A digest of the token, never the secret itself, names the counter."""
    secret = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return "token:" + hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:32]


def _without_token() -> bool:
    return not request.headers.get("Authorization", "").lower().startswith("bearer ")


def _configured(key: str):
    return lambda: current_app.config[key]


# endpoint → (config key, counted per)
VIEW_LIMITS = (
    ("auth.login", "RATELIMIT_LOGIN_PER_ACCOUNT", submitted_account),
    ("auth.login", "RATELIMIT_LOGIN_PER_IP", client_address),
    ("documents.verify", "RATELIMIT_VERIFY", client_address),
    ("public.demonstration_notice", "RATELIMIT_OBJECTIONS", client_address),
    ("api_public_demonstration.file_objection", "RATELIMIT_OBJECTIONS", client_address),
)


def retry_after_seconds() -> int:
    """Seconds until the breached limit's window resets (for Retry-After and the message)."""
    for limiter in current_app.extensions.get("limiter", ()):
        current = limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    return 60


def register(app: Flask, api_blueprints) -> None:
    """After the blueprints: the limited views are wrapped in this app's view table only."""
    # No X-RateLimit-* headers: they cost two more round trips to the store per limited request
    # (the window's count and expiry, read after the hit); a refused request says Retry-After.
    limiter = Limiter(key_func=client_address, app=app, headers_enabled=False)
    if not limiter.enabled:
        return
    for endpoint, key, per in VIEW_LIMITS:
        limit = limiter.limit(_configured(key), key_func=per, methods=["POST"], scope=key)
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    api_writes = limiter.shared_limit(_configured("RATELIMIT_API_WRITES"), scope="api-writes",
                                      key_func=bearer_token, methods=WRITES, exempt_when=_without_token)
    for blueprint in api_blueprints:
        api_writes(blueprint)
