"""Security headers on every kind of response, and HTTPS behind a trusted reverse proxy:
HSTS and Secure cookies when the request is HTTPS, forwarded headers ignored unless the
proxy is trusted (PILOTFLOW_TRUST_PROXY)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import settings
from tests.api.conftest import ApiClient
from tests.statement_counts import counting
from tests.web.web_client import User

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
HTTPS_VIA_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "pilot.example"}


def assert_security_headers(response) -> None:
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_kind_of_response_carries_the_security_headers(app, client):
    office, api = User(app, "office"), ApiClient(client)
    responses = {
        "html page": office.get("/inbox"), "sign-in page": client.get("/login"),
        "api": api.get("me", "office"), "api error": api.get("applications/999999", "office"),
        "api 401": client.get("/api/v1/me"), "static file": client.get("/static/css/app.css"),
        "error page": office.get("/applications/999999"), "unknown page": client.get("/no-such-page"),
        "redirect": client.get("/inbox"),
    }
    for name, response in responses.items():
        assert response.status_code in (200, 302, 401, 404), name
        assert_security_headers(response)
    assert responses["html page"].headers["Cache-Control"] == "no-store"
    for name in ("api", "api error", "api 401"):  # what a token's user sees is theirs alone
        assert responses[name].headers["Cache-Control"] == "no-store", name


def test_the_api_document_needs_no_token_and_stays_cacheable(client):
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path


def test_a_static_file_asks_nothing_of_the_database_even_for_a_signed_in_user(app):
    office = User(app, "office")
    with counting() as statements:
        response = office.get("/static/css/app.css")
    assert response.status_code == 200 and statements[0] == 0
    assert_security_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")  # the same file for everybody
    with counting() as statements:
        assert office.get("/inbox").headers["Cache-Control"] == "no-store"
    assert statements[0] > 0


def test_no_template_runs_inline_script():
    """The policy forbids inline scripts and event-handler attributes: none may creep back."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, re.IGNORECASE):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: inline {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), f"{path}: an on…= handler attribute"
        assert "javascript:" not in text.lower(), path


def test_plain_http_gets_no_hsts_and_cookies_without_secure(app):
    user = User(app)
    response = user.client.post("/login", data={"username": "office", "password": "Pilot#2026",
                                                "csrf_token": user.token}, headers=HTTPS_VIA_PROXY)
    assert response.status_code == 302
    assert "Strict-Transport-Security" not in response.headers
    assert all("secure" not in c.lower() for c in response.headers.getlist("Set-Cookie"))


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(app):
    seen = _probe(app)
    app.test_client().get("/_probe", headers=HTTPS_VIA_PROXY)
    assert seen == {"scheme": "http", "remote_addr": "127.0.0.1", "host": "localhost"}


@pytest.mark.app_config(TRUST_PROXY=1)
def test_behind_a_trusted_proxy_https_gets_hsts_secure_cookies_and_the_real_client(app):
    seen = _probe(app)
    app.test_client().get("/_probe", headers=HTTPS_VIA_PROXY)
    assert seen == {"scheme": "https", "remote_addr": "203.0.113.9", "host": "pilot.example"}

    user = User(app)
    # Over HTTPS Flask-WTF also wants a same-origin Referer (which Referrer-Policy: same-origin keeps).
    headers = {**HTTPS_VIA_PROXY, "Referer": "https://pilot.example/login"}
    response = user.client.post("/language", data={"lang": "en", "csrf_token": user.token}, headers=headers)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("lang=en") for c in cookies) and all("; Secure" in c for c in cookies)
    response = user.client.post("/login", data={"username": "office", "password": "Pilot#2026",
                                                "csrf_token": user.token}, headers=headers)
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"] == f"max-age={app.config['HSTS_SECONDS']}"
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("session=") for c in cookies)
    assert cookies and all("; Secure" in c for c in cookies)


@pytest.mark.app_config(TRUST_PROXY=1)
def test_behind_a_trusted_proxy_plain_http_stays_plain(app):
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in response.headers
    assert all("secure" not in c.lower() for c in response.headers.getlist("Set-Cookie"))


def test_https_straight_to_the_app_gets_hsts_too(app):
    response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert all("; Secure" in c for c in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("value, proxies", [("", 0), ("0", 0), ("no", 0), ("1", 1), ("yes", 1), ("true", 1), ("2", 2)])
def test_the_proxy_setting_is_read_from_the_environment(monkeypatch, tmp_path, value, proxies):
    monkeypatch.setenv("PILOTFLOW_TRUST_PROXY", value)
    monkeypatch.setenv("SECRET_KEY", "x")
    assert settings(str(tmp_path))["TRUST_PROXY"] == proxies


def _probe(app) -> dict:
    """A throwaway page that reports what the app believes about the request."""
    from flask import request

    seen: dict = {}

    def probe():
        seen.update(scheme=request.scheme, remote_addr=request.remote_addr, host=request.host)
        return ""

    app.add_url_rule("/_probe", "_probe", probe)
    return seen
