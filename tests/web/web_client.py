"""A test client that behaves like a real server for page tests: each request runs in its
own app context (so Flask-Login's cached user in ``g`` and the SQLAlchemy session are not
shared between requests or users), and forms carry the session's CSRF token."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from app.demo.seed import DEMO_PASSWORD
from app.extensions import db

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class FreshContextClient(FlaskClient):
    def open(self, *args, **kwargs):
        # End the test's own transaction first: on SQLite a writer's BEGIN IMMEDIATE would wait for it.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


class User:
    """Signed in as ``username``; ``post`` adds the CSRF token like a real form does."""

    def __init__(self, app, username: str | None = None, *, lang: str | None = None,
                 password: str = DEMO_PASSWORD):
        self.client = FreshContextClient(app, app.response_class, use_cookies=True)
        if lang:
            self.client.set_cookie("lang", lang)
        self.token = self.fresh_token()
        if username:
            response = self.sign_in(username, password)
            assert response.status_code == 302, response.text

    def fresh_token(self) -> str:
        return TOKEN.search(self.client.get("/login").text).group(1)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD):
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": self.token})
        if response.status_code == 302:  # the session is new after signing in: so is the token
            self.token = TOKEN.search(self.client.get("/applications/").text).group(1)
        return response

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, **kw):
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw)

    def act(self, kind: str, entity_id: int, trigger: str, data: dict | None = None, version: int | None = None):
        """What the generic action form posts."""
        payload = dict(data or {})
        if version is not None:
            payload["version"] = version
        return self.post(f"/act/{kind}/{entity_id}/{trigger}", payload)
