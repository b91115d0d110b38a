"""The API tokens page: a signed-in user creates a token (shown once), uses it, revokes it."""
from __future__ import annotations

import re

from tests.web.web_client import User


def test_a_user_creates_uses_and_revokes_a_token_in_the_browser(app):
    browser = User(app, "wuhua_applicant", lang="en")
    assert browser.get("/settings/tokens").status_code == 200
    created = browser.post("/settings/tokens", {"name": "provincial exchange", "expires_in_days": "30"})
    assert created.status_code == 201
    secret = re.search(r'id="new-token">([^<]+)<', created.text).group(1)
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()["username"] == \
        "wuhua_applicant"

    listing = browser.get("/settings/tokens").text
    assert "provincial exchange" in listing and secret not in listing  # shown once, never again
    token_id = re.search(r'/settings/tokens/(\d+)/revoke', listing).group(1)
    assert browser.post(f"/settings/tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_the_page_needs_sign_in_and_a_csrf_token(app):
    anonymous = app.test_client()
    assert anonymous.get("/settings/tokens").status_code == 302
    browser = User(app, "office")
    refused = browser.client.post("/settings/tokens", data={"name": "no csrf"})
    assert refused.status_code == 400


def test_a_nameless_token_is_refused_on_the_form(app):
    browser = User(app, "office", lang="en")
    assert browser.post("/settings/tokens", {"name": "", "expires_in_days": "30"}).status_code == 422


def test_another_users_token_cannot_be_revoked(app):
    owner, other = User(app, "office"), User(app, "leader")
    owner.post("/settings/tokens", {"name": "mine", "expires_in_days": "30"})
    token_id = re.search(r'/settings/tokens/(\d+)/revoke', owner.get("/settings/tokens").text).group(1)
    assert other.post(f"/settings/tokens/{token_id}/revoke").status_code == 404
    assert "revoked" not in owner.get("/settings/tokens").text.lower()
