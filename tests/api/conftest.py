"""API test helpers: tokens made with the real token service, a client that sends them."""
from __future__ import annotations

import json

import pytest

from app.database import transaction
from app.services.commands import tokens
from tests import factories


class ApiClient:
    """The Flask test client speaking JSON with a bearer token per demo user."""

    def __init__(self, client):
        self.client = client
        self._secrets: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._secrets:
            with transaction():
                _, secret = tokens.create_token(factories.user(username), {"name": "tests"})
            self._secrets[username] = secret
        return self._secrets[username]

    def headers(self, username: str | None, lang: str = "en", **extra) -> dict:
        headers = {"Accept-Language": lang, **extra}
        if username:
            headers["Authorization"] = f"Bearer {self.token(username)}"
        return headers

    def request(self, method: str, path: str, as_: str | None = None, lang: str = "en", **kwargs):
        if "json" in kwargs:  # sent as clients send it: ASCII-escaped JSON (lone surrogates too)
            kwargs["data"] = json.dumps(kwargs.pop("json"))
            kwargs.setdefault("content_type", "application/json")
        return self.client.open(path if path.startswith("/") else f"/api/v1/{path}", method=method,
                                headers=self.headers(as_, lang, **kwargs.pop("headers", {})), **kwargs)

    def get(self, path, as_=None, **kw):
        return self.request("GET", path, as_, **kw)

    def post(self, path, as_=None, **kw):
        return self.request("POST", path, as_, **kw)

    def put(self, path, as_=None, **kw):
        return self.request("PUT", path, as_, **kw)

    def delete(self, path, as_=None, **kw):
        return self.request("DELETE", path, as_, **kw)

    def act(self, kind_path: str, entity_id: int, trigger: str, as_: str, **body):
        """Fire ``trigger`` at the version the caller currently sees."""
        version = self.get(f"{kind_path}/{entity_id}", as_).get_json()["version"]
        return self.post(f"{kind_path}/{entity_id}/actions/{trigger}", as_, json={"version": version, **body})


@pytest.fixture
def api(client):
    return ApiClient(client)


def assert_error(response, status: int, error: str) -> dict:
    """The stable error shape: {status, error, message, fields?}."""
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert response.is_json
    assert body["status"] == status and body["error"] == error and isinstance(body["message"], str)
    assert set(body) <= {"status", "error", "message", "fields"}
    return body
