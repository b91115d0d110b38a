"""Sign-in and safety: CSRF on every form, lockout, server-side revocation, session timeout,
the language switch."""
from __future__ import annotations

import time

from app.web import auth
from tests.api.conftest import ApiClient
from tests.web.web_client import User


def test_sign_in_lands_on_the_inbox(app):
    user = User(app)
    response = user.sign_in("office")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
    assert "李明" in user.get("/inbox").text


def test_pages_need_sign_in(app):
    response = User(app).get("/applications/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_form_posted_without_its_csrf_token_is_refused_with_400(app):
    user = User(app, "wuhua_applicant", lang="en")
    response = user.client.post("/applications/new", data={"name": "无令牌的申报"})
    assert response.status_code == 400
    assert "security token is missing" in response.text
    login = User(app).client.post("/login", data={"username": "office", "password": "x"})
    assert login.status_code == 400


def test_logout_revokes_a_cookie_copied_before_it(app):
    user = User(app, "office")
    copied = user.client.get_cookie("session").value
    assert user.get("/inbox").status_code == 200
    assert user.post("/logout").status_code == 302

    thief = User(app)
    thief.client.set_cookie("session", copied)
    response = thief.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(app):
    user = User(app, lang="en")
    for _ in range(5):
        assert user.sign_in("office", "wrong-password").status_code == 401
    response = user.sign_in("office")  # the right password, but locked now
    assert response.status_code == 401
    assert "locked" in response.text
    assert User(app).sign_in("leader").status_code == 302  # others are not affected


def test_a_session_in_use_sends_its_cookie_again_only_when_it_notes_its_use_once_a_minute(app, monkeypatch):
    wall = [1_772_000_000]  # the sessions' clock, set by the test
    monkeypatch.setattr(auth, "session_seconds", lambda: wall[0])
    user = User(app, "office")
    user.get("/inbox")  # (the first page after signing in keeps the new form token in the session)
    assert "Set-Cookie" not in user.get("/inbox").headers
    wall[0] += 59
    assert "Set-Cookie" not in user.get("/applications/").headers
    wall[0] += 2
    assert "session=" in user.get("/inbox").headers.get("Set-Cookie", "")
    for _ in range(4):  # in use every 20 minutes for 80 minutes: never 30 minutes idle
        wall[0] += 20 * 60
        assert user.get("/inbox").status_code == 200
    wall[0] += 31 * 60
    response = user.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_idle_session_times_out(app):
    user = User(app, "office", lang="en")
    with user.client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.permanent_session_lifetime.total_seconds() - 5
    response = user.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "timed out" in user.get("/login").text
    assert user.get("/inbox").status_code == 302  # still signed out


def test_the_api_answers_a_token_whatever_the_web_session_sent_along_with_it(app):
    """A script in the signed-in browser calling the API sends the session cookie too: the API
    knows tokens only, so an idle session is neither timed out there nor redirected to sign in."""
    user = User(app, "office")
    with user.client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.permanent_session_lifetime.total_seconds() - 5
    response = ApiClient(user.client).get("me", "office")
    assert response.status_code == 200 and response.get_json()["username"] == "office"
    assert "Set-Cookie" not in response.headers
    assert user.get("/inbox").status_code == 302  # the page still times the session out


def test_a_session_older_than_a_working_day_times_out_however_active(app):
    user = User(app, "office")
    with user.client.session_transaction() as session:
        session["signed_in"] = int(time.time()) - 13 * 3600
    assert user.get("/inbox").status_code == 302


def test_chinese_is_the_default_and_the_switch_remembers_english(app):
    user = User(app, "office")
    page = user.get("/inbox").text
    assert '<html lang="zh-CN">' in page and "我的待办" in page
    response = user.post("/language", {"lang": "en", "next": "/applications/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/applications/")
    assert user.client.get_cookie("lang").value == "en"
    page = user.get("/applications/").text
    assert '<html lang="en">' in page and "Applications" in page and "申报项目" not in page


def test_the_language_switch_never_redirects_off_site(app):
    user = User(app)
    response = user.post("/language", {"lang": "en", "next": "//evil.example/"})
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]


def test_pages_forbid_loading_anything_from_elsewhere(app):
    response = User(app, "office").get("/inbox")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
