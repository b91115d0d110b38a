"""Rate limits on top of the account lockout: sign-in per account and per client address,
document verification per client, API writes per token. The N+1th request is a 429 with
Retry-After, in the product's error shape. Limits are lowered here; everywhere else in the
tests they are off (tests/conftest.py)."""
from __future__ import annotations

from collections import Counter

import pytest
import redis

from app.config import limits_store, settings
from app.factory import create_app
from tests.api.conftest import ApiClient, assert_error
from tests.cluster.processes import Redis
from tests.web.web_client import User

LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN_PER_ACCOUNT": "3 per minute",
          "RATELIMIT_LOGIN_PER_IP": "5 per minute", "RATELIMIT_VERIFY": "2 per minute",
          "RATELIMIT_API_WRITES": "3 per hour"}
pytestmark = pytest.mark.app_config(**LIMITS)


def _sign_in(app, username: str, address: str, password: str = "wrong"):
    user = User(app)
    return user.client.post("/login", data={"username": username, "password": password, "csrf_token": user.token},
                            environ_base={"REMOTE_ADDR": address})


def assert_too_many_page(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.mimetype == "text/html" and "请等待" in response.text and "429" in response.text


def test_signing_in_to_one_account_is_limited_whatever_the_address(app):
    for i in range(3):
        assert _sign_in(app, "office", f"10.0.0.{i}").status_code == 401
    assert_too_many_page(_sign_in(app, "OFFICE", "10.0.0.9"))  # the same account, however spelled
    assert _sign_in(app, "leader", "10.0.0.9", "Pilot#2026").status_code == 302  # other accounts are not


def test_signing_in_from_one_address_is_limited_whatever_the_account(app):
    for i in range(5):
        assert _sign_in(app, f"nobody{i}", "10.0.1.1").status_code == 401
    assert_too_many_page(_sign_in(app, "leader", "10.0.1.1", "Pilot#2026"))
    assert _sign_in(app, "leader", "10.0.1.2", "Pilot#2026").status_code == 302


def test_the_sign_in_page_itself_is_not_limited(app, client):
    for _ in range(10):
        assert client.get("/login").status_code == 200


def test_verifying_documents_is_limited_per_client(app):
    visitor = User(app)
    for _ in range(2):
        assert visitor.post("/verify", {"number": "云信办〔2026〕999号"}).status_code == 200
    assert_too_many_page(visitor.post("/verify", {"number": "云信办〔2026〕999号"}))
    assert visitor.get("/verify").status_code == 200  # reading the form is not limited


def test_api_writes_are_limited_per_token(app, client):
    api = ApiClient(client)
    for _ in range(3):
        assert api.post("applications", "wuhua_applicant", json={}).status_code == 422
    response = api.post("applications", "wuhua_applicant", json={})
    body = assert_error(response, 429, "too_many_requests")
    retry_after = int(response.headers["Retry-After"])
    assert 60 < retry_after <= 3600 and f"{retry_after} seconds" in body["message"]  # the hour's window
    assert api.post("applications", "kunming_applicant", json={}).status_code == 422  # another token
    for _ in range(5):
        assert api.get("applications", "wuhua_applicant").status_code == 200  # reads are not limited


def test_a_limited_api_answer_is_translated(app, client):
    api = ApiClient(client)
    for _ in range(3):
        api.post("applications", "office", json={})
    body = api.post("applications", "office", json={}, lang="zh-CN").get_json()
    assert body["status"] == 429 and "秒" in body["message"]


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
def test_limits_can_be_switched_off(app):
    for i in range(6):
        assert _sign_in(app, "office", "10.0.2.1").status_code == 401


def test_each_limit_and_the_store_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("PILOTFLOW_RATELIMIT_LOGIN_PER_ACCOUNT", "4 per hour")
    monkeypatch.setenv("PILOTFLOW_RATELIMIT_API_WRITES", "7 per second")
    monkeypatch.setenv("PILOTFLOW_RATELIMIT_STORAGE_URI", "redis://cache:6379/2")
    monkeypatch.setenv("PILOTFLOW_RATELIMIT_ENABLED", "0")
    config = settings(str(tmp_path))
    assert config["RATELIMIT_LOGIN_PER_ACCOUNT"] == "4 per hour" and config["RATELIMIT_API_WRITES"] == "7 per second"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2" and config["RATELIMIT_ENABLED"] is False


def test_with_a_queue_the_counts_live_in_its_redis_and_every_web_server_shares_them(monkeypatch, tmp_path,
                                                                                 database_url, pki_dir):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("PILOTFLOW_RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "unix:///run/pilotflow/redis.sock")
    assert settings(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis+unix:///run/pilotflow/redis.sock"
    monkeypatch.setenv("REDIS_URL", "redis://queue:6379/0")
    assert settings(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://queue:6379/0"
    monkeypatch.delenv("REDIS_URL")
    assert settings(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"

    server = Redis(tmp_path).start()
    try:
        config = {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                  "SERVER_NAME": None, "PKI_DIR": str(pki_dir), **LIMITS,
                  "RATELIMIT_STORAGE_URI": limits_store(server.url)}
        servers = create_app(dict(config)), create_app(dict(config))  # two web servers

        def sign_in(n: int, *args):
            with servers[n % 2].app_context():
                return _sign_in(servers[n % 2], *args)

        store = redis.Redis.from_url(server.url)

        def sent() -> Counter:  # the commands clients sent (not those the counting script runs inside)
            return Counter({k: v["calls"] for k, v in store.info("commandstats").items()
                            if k not in ("cmdstat_info", "cmdstat_incrby", "cmdstat_expire")})

        for i in range(5):
            before = sent()
            assert sign_in(i, f"nobody{i}", "10.0.9.1").status_code == 401
            if i >= 2:  # each server's first request also connects and loads the counting script
                # one round trip per limit (account, address): no reading the window back for headers
                assert sent() - before == Counter(cmdstat_evalsha=2)
        assert_too_many_page(sign_in(0, "leader", "10.0.9.1", "Pilot#2026"))
        assert_too_many_page(sign_in(1, "leader", "10.0.9.1", "Pilot#2026"))
    finally:
        server.stop()
