"""Hostile input is never a server error: every route and method of the app, walked from
``app.url_map`` as signed-in people of several roles, as API token holders and anonymously,
answers 4xx in the product's own error shape to integers beyond any column, negative and
non-numeric numbers, JSON nested 100,000 deep or larger than allowed, wrong content types,
form fields nested absurdly deep, and request lines and headers too long."""
from __future__ import annotations

import json
import re

import pytest

from tests import factories
from tests.api.conftest import ApiClient
from tests.web.web_client import User

HUGE = "99999999999999999999999"  # beyond 64 bits
# "²" passes str.isdigit() but not int(): a digit only in Unicode's eyes.
NUMBERS = {"huge": HUGE, "int32": str(2**31), "negative": "-1", "text": "abc", "superscript": "²", "long": "9" * 5000}
# Names the pages and the API read as integers from a query string or a form.
INTEGER_NAMES = ("page", "per_page", "id", "batch_id", "year", "version", "project_id", "organisation_id",
                 "application_id", "document_id", "plan_item_id", "ranking", "size", "seed", "quota",
                 "construction_months", "expires_in_days", "pick", "version-1", "ranking-1", "approved_budget",
                 "requested_budget", "amount", "results_score", "operation_score", "promotion_score",
                 "scores.quality.score", "active", "period", "state", "project_ids")
DEEP_JSON = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000
WRITES = ("POST", "PUT", "PATCH", "DELETE")
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
STRING_PARAMS = {"kind": "application", "trigger": "submit", "fmt": "csv", "filename": "css/app.css"}
CALLERS = ("api:office", "api:wuhua_applicant", "web:wuhua_applicant", "web:office", "web:admin", "web:anonymous")


def url_for_rule(rule: str, number: str) -> str:
    """The rule's URL with every integer parameter set to ``number`` (others to real values)."""
    def value(match):
        if match["converter"] in ("int", "id"):
            return number
        return STRING_PARAMS.get(match["name"], "x")
    return PLACEHOLDER.sub(value, rule)


def routes(app, api_only: bool) -> list[tuple[str, str]]:
    """(rule, method) for every route; signing out comes last so the walk stays signed in."""
    pairs = [(rule.rule, method) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
             if not api_only or rule.rule.startswith("/api/")]
    return sorted(pairs, key=lambda pair: (pair[0] == "/logout", pair))


class Caller:
    """Sends requests as one kind of client: a signed-in person (with their CSRF token, so
    forms reach the views), an anonymous visitor, or an API token holder."""

    def __init__(self, app, client, name: str):
        self.name, self.api = name, name.startswith("api:")
        username = name.split(":")[1]
        if self.api:
            self._headers = ApiClient(client).headers(username)
            self._client = client
        else:
            self._user = User(app, None if username == "anonymous" else username)
            self._headers = {"X-CSRFToken": self._user.token}
            self._client = self._user.client

    def __call__(self, method: str, url: str, data=None, headers=None, **kwargs):
        if not self.api and isinstance(data, dict):
            data = {"csrf_token": self._user.token, **data}
        elif not self.api and data is None and method in WRITES and "content_type" not in kwargs:
            data = {"csrf_token": self._user.token}
        return self._client.open(url, method=method, data=data, headers={**self._headers, **(headers or {})},
                                 **kwargs)


@pytest.fixture(params=CALLERS)
def caller(request, app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a server error is a 500 answer, as in production
    factories.draft()  # an application with id 1, so valid ids reach the views
    return Caller(app, client, request.param)


def own_error_shape_problem(response, url: str) -> str | None:
    """4xx answers are JSON {status, error, message} under /api/, the HTML error page elsewhere."""
    if response.status_code >= 500:
        return str(response.status_code)
    if not 400 <= response.status_code < 500:
        return None
    if url.startswith("/api/"):
        body = response.get_json(silent=True) or {}
        if body.get("status") != response.status_code or not body.get("error") or "message" not in body:
            return f"{response.status_code} not in the API's error shape: {response.data[:120]!r}"
    elif response.mimetype != "text/html":  # the error page, or the form again with its field errors
        return f"{response.status_code} not a page: {response.mimetype} {response.data[:120]!r}"
    return None


def walk(app, caller, shapes) -> None:
    """Every route and method, in every shape ``shapes(rule, method)`` gives; one readable line
    per answer that is a server error or not in the product's error shape."""
    failures = []
    for rule, method in routes(app, caller.api):
        for label, url, kwargs in shapes(rule, method):
            problem = own_error_shape_problem(caller(method, url, **kwargs), url)
            if problem:
                failures.append(f"{caller.name} {method} {url[:90]} [{label}]: {problem}")
    assert not failures, "\n".join(failures)


def test_integers_beyond_any_id_in_a_path_are_404(app, caller):
    failures = []
    for rule, method in routes(app, caller.api):
        if "<int:" not in rule and "<id:" not in rule or caller.name == "web:anonymous":
            continue
        for number in (HUGE, str(2**63), str(2**31)):
            url = url_for_rule(rule, number)
            response = caller(method, url)
            if response.status_code != 404 or own_error_shape_problem(response, url):
                failures.append(f"{caller.name} {method} {url} {response.status_code}")
    assert not failures, "\n".join(failures)


def test_hostile_numbers_in_query_strings_are_never_a_server_error(app, caller):
    def shapes(rule, method):
        url = url_for_rule(rule, "1")
        variants = NUMBERS.items() if method == "GET" else [("huge", HUGE)]
        # one 5,000-digit number is enough: thirty would only test the URL length limit
        return [(name, f"{url}?" + "&".join(f"{key}={value}" for key in
                                            (INTEGER_NAMES if name != "long" else ("page", "version"))), {})
                for name, value in variants]

    walk(app, caller, shapes)


def test_hostile_numbers_in_forms_are_never_a_server_error(app, caller):
    def shapes(rule, method):
        if method not in WRITES:
            return []
        return [(name, url_for_rule(rule, "1"), {"data": {key: value for key in INTEGER_NAMES} | {"pick": [value, "1"]}})
                for name, value in NUMBERS.items()]

    walk(app, caller, shapes)


def test_hostile_numbers_in_json_bodies_are_never_a_server_error(app, caller):
    def shapes(rule, method):
        if method not in WRITES:
            return []
        out = []
        for name, value in NUMBERS.items():
            number = f'"{value}"' if name in ("text", "superscript") else value
            body = "{" + ", ".join(f'"{key}": {number}' for key in INTEGER_NAMES) + "}"
            out.append((name, url_for_rule(rule, "1"), {"data": body, "content_type": "application/json"}))
            listed = '{"project_ids": [' + number + '], "scores": {"quality": {"score": ' + number + "}}}"
            out.append((f"{name} nested", url_for_rule(rule, "1"), {"data": listed, "content_type": "application/json"}))
        return out

    walk(app, caller, shapes)


def test_json_nested_100000_deep_is_refused_before_it_is_parsed(app, caller):
    def shapes(rule, method):
        if method not in WRITES:
            return []
        url = url_for_rule(rule, "1")
        return [("deep array", url, {"data": DEEP_JSON, "content_type": "application/json"}),
                ("deep object", url, {"data": DEEP_OBJECT, "content_type": "application/json"})]

    walk(app, caller, shapes)


def test_json_larger_than_allowed_is_refused(app, caller):
    too_big = json.dumps({"opinion": "x" * app.config["JSON_MAX_BYTES"], "version": 1})

    def shapes(rule, method):
        if method not in WRITES:
            return []
        return [("oversized", url_for_rule(rule, "1"), {"data": too_big, "content_type": "application/json"})]

    walk(app, caller, shapes)


def test_wrong_content_types_are_never_a_server_error(app, caller):
    bodies = {"text/plain": '{"version": 1}', "application/xml": "<version>1</version>",
              "application/json; charset=latin-1": '{"version": 1}', "application/octet-stream": "\x00\xff" * 10,
              "multipart/form-data; boundary=x": "--x\r\nbroken", "application/json": "{not json",
              "application/x-www-form-urlencoded": "%%%=%%&a=%ZZ"}

    def shapes(rule, method):
        if method not in WRITES:
            return []
        url = url_for_rule(rule, "1")
        return [(ctype, url, {"data": body, "content_type": ctype}) for ctype, body in bodies.items()]

    walk(app, caller, shapes)


def test_form_fields_nested_absurdly_deep_are_refused(app, caller):
    deep_key = "opinion" + ".x" * 50_000

    def shapes(rule, method):
        if method not in WRITES:
            return []
        return [("deep field name", url_for_rule(rule, "1"), {"data": {deep_key: "1", "x" * 5000: "1"}})]

    walk(app, caller, shapes)


# --- the limits themselves, answered in the product's words ----------------------------------
@pytest.fixture
def office(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return User(app, "office")


@pytest.fixture
def api(client):
    return ApiClient(client)


def test_a_json_body_too_large_is_413_and_too_deep_is_400(app, api):
    too_big = json.dumps({"opinion": "x" * app.config["JSON_MAX_BYTES"]})
    response = api.post("applications", "wuhua_applicant", data=too_big, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "payload_too_large"
    depth = app.config["JSON_MAX_DEPTH"]
    nested = "[" * (depth + 1) + "]" * (depth + 1)
    response = api.post("applications", "wuhua_applicant", data=nested, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    within = '{"x": ' + "[" * (depth - 1) + "]" * (depth - 1) + ', "y": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'
    response = api.post("applications", "wuhua_applicant", data=within, content_type="application/json")
    assert response.status_code == 422  # parsed, then refused field by field: brackets in strings don't count


@pytest.mark.parametrize("path", ["/applications/", "/api/v1/applications"])
def test_a_request_line_too_long_answers_414_in_the_products_shape(app, office, api, path):
    url = f"{path}?q=" + "x" * app.config["MAX_URL_BYTES"]
    response = api.get(url, "office") if path.startswith("/api/") else office.get(url)
    assert response.status_code == 414
    assert own_error_shape_problem(response, path) is None


@pytest.mark.parametrize("path", ["/applications/", "/api/v1/applications", "/login", "/static/css/app.css"])
def test_headers_too_large_or_too_many_answer_431_in_the_products_shape(app, office, api, path):
    def get(headers):
        if path.startswith("/api/"):
            return api.get(path, "office", headers=headers)
        return office.get(path, headers=headers)

    for headers in ({"X-Padding": "x" * app.config["MAX_HEADER_BYTES"]},
                    {f"X-Padding-{i}": "x" for i in range(app.config["MAX_HEADER_COUNT"])}):
        response = get(headers)
        assert response.status_code == 431
        assert own_error_shape_problem(response, path) is None


def test_a_body_larger_than_the_request_limit_is_413_in_the_products_shape(app, office, api):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = office.client.post("/applications/1/attachments", data=body, content_type="application/pdf")
    assert response.status_code == 413 and own_error_shape_problem(response, "/applications/") is None
    response = api.post("applications/1/attachments", "wuhua_applicant", data=body, content_type="application/pdf")
    assert response.status_code == 413 and own_error_shape_problem(response, "/api/v1/") is None


def test_an_unknown_api_path_refused_for_its_csrf_token_still_answers_in_the_api_shape(client):
    response = client.post("/api/v1/no-such-thing", data={"x": "1"})
    assert response.status_code in (400, 404)
    assert own_error_shape_problem(response, "/api/v1/no-such-thing") is None
