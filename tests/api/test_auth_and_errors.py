"""Token authentication and the stable JSON error shape of every failure."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import transaction
from app.extensions import db
from app.models import ApiToken
from app.models.base import utcnow
from app.services.commands import tokens
from tests import factories
from tests.api.conftest import assert_error


def test_a_token_acts_as_its_user(api):
    body = api.get("me", "wuhua_applicant").get_json()
    assert body["username"] == "wuhua_applicant" and body["roles"] == ["applicant"]
    assert body["organisation"]["code"] == "D530102MZ"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic d3VodWE6eA==", "Bearer pf_unknown"])
def test_missing_or_unknown_tokens_get_401_with_a_bearer_challenge(client, header):
    response = client.get("/api/v1/applications", headers={"Authorization": header} if header else {})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working_at_once(api):
    assert api.get("me", "office").status_code == 200
    with transaction():
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == factories.user("office").id))
        tokens.revoke_token(factories.user("office"), token.id)
    assert_error(api.get("me", "office"), 401, "unauthorized")


def test_an_expired_token_or_an_inactive_user_is_refused(api):
    api.token("office")
    api.token("leader")
    with transaction():
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == factories.user("office").id))
        token.expires_at = utcnow() - timedelta(seconds=1)
        factories.user("leader").active = False
    assert_error(api.get("me", "office"), 401, "unauthorized")
    assert_error(api.get("me", "leader"), 401, "unauthorized")


def test_using_a_token_records_when_it_was_last_used(api):
    api.get("me", "office").close()  # a read records it after the response (a server closes it)
    db.session.remove()
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == factories.user("office").id))
    assert token.last_used_at is not None


def test_posts_need_no_csrf_token_because_nothing_rides_on_cookies(api):
    response = api.post("applications", "wuhua_applicant", json=factories.draft_data())
    assert response.status_code == 201


def test_an_unknown_path_and_a_wrong_method_answer_json(api, client):
    assert_error(api.get("no-such-thing", "office"), 404, "not_found")
    response = api.delete("me", "office")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    assert b"<html" in client.get("/no-such-page").data.lower()  # the web pages keep their HTML


def test_malformed_json_is_a_400_and_a_non_object_a_422(api):
    assert_error(api.post("applications", "wuhua_applicant", data="{not json",
                          headers={"Content-Type": "application/json"}), 400, "bad_request")
    body = assert_error(api.post("applications", "wuhua_applicant", json=[1, 2]), 422, "invalid")
    assert body["fields"]


def test_invalid_input_lists_a_message_per_field(api):
    body = assert_error(api.post("applications", "wuhua_applicant",
                                 json=factories.draft_data(name="x", construction_months=99, contact_phone="abc")),
                        422, "invalid")
    assert set(body["fields"]) == {"name", "construction_months", "contact_phone"}
    assert body["fields"]["construction_months"] == "The construction period is 1 to 60 months."


def test_query_parameters_are_validated_before_any_query_runs(api):
    body = assert_error(api.get("applications?state=bogus&per_page=1000&page=0", "office"), 422, "invalid")
    assert set(body["fields"]) == {"state", "per_page", "page"}


@pytest.mark.parametrize("value", ["abc\x00def", "\ud800"])
def test_text_that_cannot_be_stored_is_refused_as_invalid_not_a_server_error(api, value):
    body = assert_error(api.post("applications", "wuhua_applicant", json=factories.draft_data(name=value)),
                        422, "invalid")
    assert "name" in body["fields"]


def test_a_nul_character_in_the_query_string_is_invalid(api):
    body = assert_error(api.get("applications", "office", query_string={"q": "a\x00b"}), 422, "invalid")
    assert "q" in body["fields"]


def test_a_policy_denial_is_a_403_with_the_policys_reason(api):
    body = assert_error(api.post("applications", "office", json=factories.draft_data()), 403, "forbidden")
    assert body["message"] == "Only an applicant agency's staff may do this."


def test_what_the_caller_may_not_see_is_a_404_like_what_does_not_exist(api):
    app_id = factories.draft("dali_applicant")
    hidden = assert_error(api.get(f"applications/{app_id}", "wuhua_applicant"), 404, "not_found")
    missing = assert_error(api.get("applications/999999", "wuhua_applicant"), 404, "not_found")
    assert hidden == missing


def test_a_stale_version_and_a_state_that_moved_on_are_409(api):
    app_id = factories.draft()
    stale = api.post(f"applications/{app_id}/actions/submit", "wuhua_applicant", json={"version": 7})
    assert_error(stale, 409, "conflict")
    assert api.act("applications", app_id, "submit", "wuhua_applicant").status_code == 200
    moved = api.post(f"applications/{app_id}/actions/submit", "wuhua_applicant", json={"version": 1})
    assert_error(moved, 409, "conflict")


def test_labels_follow_accept_language(api):
    app_id = factories.draft()
    assert api.get(f"applications/{app_id}", "office", lang="en").get_json()["state_label"] == "Draft"
    assert api.get(f"applications/{app_id}", "office", lang="zh-CN").get_json()["state_label"] == "草稿"
    actions = api.get(f"applications/{app_id}/actions", "wuhua_applicant", lang="zh-CN").get_json()["actions"]
    assert {a["trigger"]: a["label"] for a in actions}["submit"] == "提交申报"


def test_field_messages_are_translated_by_accept_language(database_url, tmp_path, pki_dir):
    """The messages pass through the zh_CN catalogue when the response is built."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from app.factory import create_app

    catalog = Catalog(locale="zh_CN")
    catalog.add("This field is required.", "此项为必填项。")
    catalog.add("Some fields are not valid.", "部分字段填写有误。")
    for folder in ("zh_CN", "zh_Hans_CN"):  # Babel parses zh_CN as zh_Hans_CN
        target = tmp_path / "translations" / folder / "LC_MESSAGES"
        target.mkdir(parents=True)
        with open(target / "messages.mo", "wb") as fh:
            write_mo(fh, catalog)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "t",
                      "PKI_DIR": str(pki_dir), "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")})
    with app.app_context():
        from flask_babel import get_domain

        get_domain().cache.clear()  # flask-babel caches catalogues per process, whichever app loaded them
        with transaction():
            _, secret = tokens.create_token(factories.user("wuhua_applicant"), {"name": "zh"})
        client = app.test_client()
        for lang, required, summary in (("zh-CN", "此项为必填项。", "部分字段填写有误。"),
                                        ("en", "This field is required.", "Some fields are not valid.")):
            body = client.post("/api/v1/applications", json={"name": "社区服务平台"},
                               headers={"Authorization": f"Bearer {secret}", "Accept-Language": lang}).get_json()
            assert body["message"] == summary
            assert body["fields"]["batch_id"] == required
        get_domain().cache.clear()
        db.session.remove()
        db.engine.dispose()


def test_every_answer_under_the_api_is_no_store_but_the_two_documents(api, client):
    """What a token's user sees is theirs alone, and refusals follow the same rule: routing's
    404 and 405 and the request guards' 413/414 too, which reach no API blueprint."""
    big = "[" + "0," * (1024 * 1024) + "0]"
    answers = {
        "405 with a token": api.delete("applications", "office"),
        "404 unknown path": api.get("no-such-thing", "office"),
        "404 unknown path, no token": client.get("/api/v1/no-such-thing"),
        "404 the prefix alone": client.get("/api/v1"),
        "405 on the document": client.post("/api/v1/openapi.json"),
        "413 to an operation": api.post("applications", "wuhua_applicant", data=big, content_type="application/json"),
        "413 to an unknown path": api.post("no-such-thing", "wuhua_applicant", data=big,
                                           content_type="application/json"),
        "414": api.get("applications?q=" + "x" * 5000, "office"),
        "401": client.get("/api/v1/me"),
        "200": api.get("me", "office"),
    }
    for name, response in answers.items():
        assert response.headers.get("Cache-Control") == "no-store", (name, response.status_code)
        assert response.is_json, name
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        response = client.get(path)
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", ""), path
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")  # not the API: not this rule


@pytest.mark.parametrize("lang, expected", [
    ("zh-CN", {"range": "请输入 1 至 100 之间的数值。", "choices": "必须是以下之一：draft, ",
               "malformed": "请求内容不是有效的 JSON。", "required": "此项为必填项。"}),
    ("en", {"range": "Enter a value from 1 to 100.", "choices": "Must be one of: draft, ",
            "malformed": "The request body is not valid JSON.", "required": "This field is required."}),
])
def test_query_json_and_missing_field_messages_follow_accept_language(api, lang, expected):
    """The query string's and multipart parts' messages pass through the catalogue as a JSON
    body's do; malformed JSON and a missing field say it in the product's own words."""
    query = assert_error(api.get("applications?per_page=500&state=bogus", "office", lang=lang), 422, "invalid")
    assert query["fields"]["per_page"] == expected["range"]
    assert query["fields"]["state"].startswith(expected["choices"])
    malformed = api.post("applications", "wuhua_applicant", data="{not json", content_type="application/json",
                         lang=lang)
    assert assert_error(malformed, 400, "bad_request")["message"] == expected["malformed"]
    missing = {
        "version": api.post("applications/999999/actions/submit", "wuhua_applicant", json={}, lang=lang),
        "number": api.get("documents/verify", "office", lang=lang),
        "file": api.post("documents/verify", "office", data={}, content_type="multipart/form-data", lang=lang),
    }
    for name, response in missing.items():
        assert assert_error(response, 422, "invalid")["fields"] == {name: expected["required"]}, name
