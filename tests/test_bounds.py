"""The bounds on client input: ids in URL patterns, integers from forms and query strings, and
the depth of a JSON text measured without parsing it."""
from __future__ import annotations

import random
import re

import pytest

from app.bounds import MAX_ID, bounded_int, decimal_regex, json_too_deep, page_number


@pytest.mark.parametrize("bound", [1, 9, 10, 20, 99, 100, 105, 1000, 4567])
def test_the_id_pattern_matches_exactly_the_numbers_up_to_its_bound(bound):
    pattern = re.compile(decimal_regex(bound) + r"\Z")
    assert [n for n in range(20_000) if pattern.match(str(n))] == list(range(bound + 1))


def test_the_id_pattern_stops_at_the_largest_id_postgresql_can_store():
    pattern = re.compile(decimal_regex(MAX_ID) + r"\Z")
    for number in [0, 1, 999_999_999, 1_000_000_000, 2_147_483_646, MAX_ID]:
        assert pattern.match(str(number)), number
    for number in [MAX_ID + 1, 2_147_483_650, 2_200_000_000, 9_999_999_999, 2**63, 10**22]:
        assert not pattern.match(str(number)), number
    sample = random.Random(7)
    for number in (sample.randrange(0, 10**11) for _ in range(20_000)):
        assert bool(pattern.match(str(number))) == (number <= MAX_ID), number
    assert not pattern.match("007") and not re.match(decimal_regex(MAX_ID, zero=False) + r"\Z", "0")


@pytest.mark.parametrize("value, expected", [
    ("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("99999999999999999999999", None),
    ("0", None), ("-1", None), ("abc", None), ("1e309", None), ("1.5", None), ("", None), (None, None),
    ("9" * 5000, None), ("١٢", None),
])
def test_a_form_or_query_integer_is_bounded_or_none(value, expected):
    assert bounded_int(value) == expected


def test_a_page_number_out_of_range_is_the_first_page():
    assert page_number({"page": "3"}) == 3
    assert page_number({"page": "99999999999999999999999"}) == 1
    assert page_number({"page": "-2"}) == 1 and page_number({}) == 1


@pytest.mark.parametrize("text, depth", [
    (b"{}", 1), (b"[]", 1), (b"1", 0), (b'"[[["', 0), (b'{"a": [1, {"b": []}]}', 4),
    (b'{"a": "]]]]", "b": [[["\\"]]"]]]}', 4), (b"[" * 100_000 + b"]" * 100_000, 100_000),
    (b'"unterminated \\" [[[', 0), (b'"\\\\" [[', 2),
])
def test_json_depth_is_measured_without_parsing(text, depth):
    assert not json_too_deep(text, depth) and (depth == 0 or json_too_deep(text, depth - 1))


def test_measuring_a_hostile_string_stays_linear():
    import time

    started = time.perf_counter()
    assert not json_too_deep(b'"' + b'\\"' * 500_000, 1)
    assert time.perf_counter() - started < 2


def _integer_fields(schema_class):
    from marshmallow import fields

    for name, field in schema_class._declared_fields.items():
        if isinstance(field, fields.List):
            field = field.inner
        if isinstance(field, fields.Integer):
            yield name, field


def test_every_integer_a_command_schema_accepts_has_an_upper_bound():
    """The schemas the pages, the API and the CLI load input with: no integer field without a
    maximum a column can hold (else a huge number reaches the database as an overflow)."""
    from marshmallow import Schema, validate

    from app import schemas

    checked = 0
    for schema_class in vars(schemas).values():
        if not (isinstance(schema_class, type) and issubclass(schema_class, Schema)) or schema_class is Schema:
            continue
        for name, field in _integer_fields(schema_class):
            ranges = [v for v in field.validators if isinstance(v, validate.Range) and v.max is not None]
            assert ranges and all(v.max <= 2**63 - 1 for v in ranges), f"{schema_class.__name__}.{name}"
            checked += 1
    assert checked >= 5


def test_every_integer_the_api_accepts_is_documented_with_bounds(app):
    """Query parameters, path parameters and request bodies in the OpenAPI document."""
    spec = app.extensions["pilotflow-api"].document().to_dict()
    schemas = spec["components"]["schemas"]
    unbounded = []

    def visit(where, schema):
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        if schema.get("type") == "integer" and ("maximum" not in schema or schema["maximum"] > 2**63 - 1):
            unbounded.append(where)
        for key, prop in schema.get("properties", {}).items():
            if not prop.get("readOnly"):
                visit(f"{where}.{key}", prop)
        if "items" in schema:
            visit(f"{where}[]", schema["items"])
        if isinstance(schema.get("additionalProperties"), dict):
            visit(f"{where}{{}}", schema["additionalProperties"])

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                if "$ref" in parameter:
                    parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
                visit(f"{method.upper()} {path} ?{parameter['name']}", parameter.get("schema", {}))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                visit(f"{method.upper()} {path} body", content.get("schema", {}))
    assert not unbounded, unbounded
