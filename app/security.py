"""HTTP hardening: the trusted reverse proxy, HTTPS-only cookies and HSTS, and the security
headers every response carries (pages, API, static files and error pages alike)."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script anywhere (templates load static/js/*.js; JSON for scripts travels in
# <script type="application/json"> data blocks, which CSP does not run). Inline style
# attributes remain, hence 'unsafe-inline' for styles only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (directly, or via the
    trusted proxy's X-Forwarded-Proto), so it is never sent back over plain HTTP."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def _secure_cookies(response):
    """Every other cookie (remember-me, language) set over HTTPS is Secure too."""
    if request.is_secure:
        cookies = response.headers.getlist("Set-Cookie")
        if cookies:
            response.headers.setlist("Set-Cookie", [
                c if "; secure" in c.lower() else f"{c}; Secure" for c in cookies])
    return response


def _security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    seconds = current_app.config["HSTS_SECONDS"]
    if request.is_secure and seconds:  # over plain HTTP the header would be ignored anyway
        response.headers.setdefault("Strict-Transport-Security", f"max-age={seconds}")
    # Nothing personal in shared caches. A static file is the same for everybody: asking who is
    # signed in would load the user (a statement) for each stylesheet, script and image. An API
    # answer already says no-store (``api.blueprint.private``): asking would read the session
    # cookie and hash the client's address for every token request.
    if ("Cache-Control" not in response.headers and request.endpoint != "static"
            and getattr(current_user, "is_authenticated", False)):
        response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    """Registered before the other extensions: Flask runs after_request hooks last-registered
    first, so the cookie fix-up sees the cookies they set."""
    proxies = app.config["TRUST_PROXY"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
    app.session_interface = HttpsAwareSessionInterface()
    app.after_request(_secure_cookies)
    app.after_request(_security_headers)
