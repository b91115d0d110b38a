"""Redirects taken from the request (``next`` after sign-in, after an action, after switching
the language, the error page's "Back") lead only to the product's own pages: every known way
of smuggling another host past a naive check falls back to the default."""
from __future__ import annotations

import pytest

from app.web.redirects import safe_target
from tests import factories
from tests.web.web_client import User

BYPASSES = [
    # another host, spelled plainly or scheme-relative
    "http://evil.example", "https://evil.example/inbox", "HTTP://evil.example", "http:evil.example",
    "https:/evil.example", "//evil.example", "///evil.example", "////evil.example/", "//evil.example/inbox",
    "evil.example", "inbox", "@evil.example", ".//evil.example",
    # backslashes, which browsers read as slashes
    "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example", "/inbox\\..\\..\\evil",
    # characters browsers drop or trim
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", " //evil.example", "/ /evil.example",
    "\x00//evil.example", "/\x00/evil.example", "/\x7f/evil.example", "/\x0b/evil.example", "\t//evil.example",
    # percent-encoded forms of the above, once or twice
    "/%2F%2Fevil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%2F/evil.example", "/%5Cevil.example",
    "/%5C%5Cevil.example", "/%5c/evil.example", "/%09/evil.example", "/%0a/evil.example", "/%00/evil.example",
    "/%252F%252Fevil.example", "/%25252F%25252Fevil.example", "/%2e%2e//evil.example",
    # dot segments
    "/.//evil.example", "/./evil.example", "/../evil.example", "/inbox/../..//evil.example", "/%2E/%2Fevil.example",
    "/static/../../etc/passwd",
    # other schemes
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "/javascript:alert(1)",
    # look-alikes and things that are not a page of ours
    "/／evil.example", "/\u2215\u2215evil.example", "/%EF%BC%8F%EF%BC%8Fevil.example", "/@evil.example",
    "/no-such-page", "/logout", "/" + "a" * 3000,
    # not text at all
    None, "", 42, ["/inbox"],
]
GOOD = [
    ("/", "/"), ("/inbox", "/inbox"), ("/applications/", "/applications/"), ("/applications", "/applications"),
    ("/applications/7", "/applications/7"), ("/applications/7#attachments", "/applications/7#attachments"),
    ("/applications/?state=draft&page=2", "/applications/?state=draft&page=2"),
    ("/applications/?q=昆明", "/applications/?q=%E6%98%86%E6%98%8E"),
    ("/applications/?q=%E6%98%86", "/applications/?q=%E6%98%86"),
    ("/login?next=//evil.example", "/login?next=//evil.example"),  # the login page checks its own next
]


@pytest.mark.parametrize("value", BYPASSES, ids=repr)
def test_a_target_that_could_leave_the_site_falls_back_to_the_default(app, value):
    with app.test_request_context("/"):
        assert safe_target(value, "/fallback") == "/fallback"


@pytest.mark.parametrize("value, expected", GOOD)
def test_a_page_of_the_product_is_kept(app, value, expected):
    with app.test_request_context("/"):
        assert safe_target(value, "/fallback") == expected


@pytest.mark.parametrize("value", ["//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "/\t/evil.example",
                                   "https://evil.example", "/.//evil.example"])
def test_sign_in_never_sends_the_browser_elsewhere(app, value):
    user = User(app)
    response = user.client.post(f"/login?next={value}", data={"username": "office", "password": "Pilot#2026",
                                                               "csrf_token": user.token})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    user = User(app)
    response = user.client.post("/login", data={"username": "office", "password": "Pilot#2026", "next": value,
                                                "csrf_token": user.token})
    assert response.headers["Location"] == "/inbox"


def test_sign_in_returns_to_the_page_that_asked_for_it(app):
    user = User(app)
    assert user.get("/applications/?state=draft").headers["Location"].startswith("/login?next=")
    response = user.client.post("/login?next=/applications/%3Fstate%3Ddraft",
                                data={"username": "office", "password": "Pilot#2026", "csrf_token": user.token})
    assert response.headers["Location"] == "/applications/?state=draft"


@pytest.mark.parametrize("value", ["//evil.example", "/\\evil.example", "/%5Cevil.example", "javascript:alert(1)"])
def test_the_language_switch_and_the_action_form_never_send_the_browser_elsewhere(app, value):
    user = User(app, "wuhua_applicant")
    assert user.post("/language", {"lang": "en", "next": value}).headers["Location"] == "/"
    app_id = factories.draft()
    response = user.act("application", app_id, "submit", {"next": value}, version=1)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_error_pages_back_link_only_points_into_the_site(app):
    user = User(app, "office")
    page = user.get("/applications/999999", headers={"Referer": "http://localhost/applications/?page=2"}).text
    assert 'href="/applications/?page=2"' in page
    for referrer in ("http://evil.example/", "http://localhost.evil.example/", "http://localhost//evil.example/",
                     "http://localhost/\\evil.example", "javascript:alert(1)"):
        page = user.get("/applications/999999", headers={"Referer": referrer}).text
        assert "evil" not in page and "javascript" not in page
