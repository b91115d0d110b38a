"""The OpenAPI document: valid OpenAPI 3, one documented operation per workflow action, and a
reference page rendered from it on the server with no outside assets."""
from __future__ import annotations

import io
import re

import pytest
from marshmallow import fields as ma_fields
from marshmallow import validate
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

from app.kinds import KINDS
from app.schemas import TwoPlaces, Window
from app.services.commands import action
from app.services.commands.attachments import CONTENT_TYPES
from tests import factories
from tests.services.test_attachments import PDF

PATHS = {"application": "applications", "project": "projects", "midterm_check": "midterm-checks",
         "acceptance": "acceptances", "evaluation": "evaluations",
         "change_request": "change-requests", "funding_request": "funding-requests",
         "demonstration_list": "demonstration-lists", "demonstration_objection": "demonstration-objections"}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")  # public: no token needed to read the contract
    assert response.status_code == 200
    return response.get_json()


def _resolve(spec, node):
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.0")
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in OPENAPI_30_VALIDATOR.iter_errors(spec)]
    assert errors == []


def test_every_operation_is_summarised_secured_and_documents_its_errors(spec):
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in ("get", "post", "put", "delete")]
    assert len(operations) > 60
    for path, method, op in operations:
        assert path.startswith("/api/v1/")
        assert op.get("summary"), (method, path)
        public = op.get("security") == []  # no token: only the public notice (示范项目公示)
        assert not public or path.startswith("/api/v1/public/"), (method, path)
        assert ("401" in op["responses"] or public) and "default" in op["responses"], (method, path)
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "error", "message"}


def test_every_write_with_a_token_documents_the_rate_limits_429(spec):
    writes = [(path, op) for path, item in spec["paths"].items() for method, op in item.items()
              if method in ("post", "put", "patch", "delete")]
    assert len(writes) > 40
    for path, op in writes:  # the token's write limit, or (the public notice) the address's
        assert op["responses"].get("429") == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"}, path
    assert spec["components"]["responses"]["TOO_MANY_REQUESTS"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    reads = [op for item in spec["paths"].values() for method, op in item.items() if method == "get"]
    assert not [op for op in reads if "429" in op["responses"]]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_workflow_action_is_its_own_documented_operation(spec, kind):
    flow = KINDS[kind].flow
    for trigger in flow.triggers:
        op = spec["paths"][f"/api/v1/{PATHS[kind]}/{{entity_id}}/actions/{trigger}"]["post"]
        body = _resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
        step = flow.step_for(trigger)
        assert "version" in body["required"], trigger
        fields = action(kind, trigger).fields
        assert fields and set(fields) <= set(body["properties"]) or not fields, (trigger, fields)
        if step.opinion_required:
            assert "opinion" in body["properties"], trigger
        assert step.en in op["summary"] and step.zh in op["summary"]
        assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ActionResult")


def _action_operations(spec):
    """(kind, trigger, operation) for every documented workflow action, every flow version's."""
    kinds = {path: kind for kind, path in PATHS.items()}
    for path, item in spec["paths"].items():
        found = re.fullmatch(r"/api/v1/([a-z-]+)/\{entity_id\}/actions/(\w+)", path)
        if found:
            yield kinds[found[1]], found[2], item["post"]


def test_opinion_is_required_in_a_body_exactly_where_its_step_requires_one(spec):
    """A body valid against the document is not refused for a missing opinion (意见): every
    action's body (JSON and multipart) and the batch endorsement (the step ``endorse``) list
    ``opinion`` as required iff the step requires it, and then rule out a blank one."""
    bodies = [(f"{kind}.{trigger}", action(kind, trigger).opinion_required, op["requestBody"]["content"])
              for kind, trigger, op in _action_operations(spec)]
    bodies.append(("endorsements", action("application", "endorse").opinion_required,
                   spec["paths"]["/api/v1/endorsements"]["post"]["requestBody"]["content"]))
    wrong = []
    for name, required, content in bodies:
        for content_type, media in content.items():
            body = _resolve(spec, media["schema"])
            if ("opinion" in body.get("required", [])) != required:
                wrong.append(f"{name} ({content_type}): the step's opinion is {'' if required else 'not '}required")
            elif required:
                assert body["properties"]["opinion"]["minLength"] == 1 and "pattern" in body["properties"]["opinion"]
    assert wrong == []
    assert sum(required for _, required, _ in bodies) > 40 and not all(required for _, required, _ in bodies)


def test_request_bodies_are_the_shared_command_schemas(spec):
    create = spec["paths"]["/api/v1/applications"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create["$ref"].endswith("/ApplicationDraft")
    draft = _resolve(spec, create)
    from app.schemas import ApplicationDraftSchema

    assert set(draft["properties"]) == set(ApplicationDraftSchema().fields)


def test_the_reference_page_is_rendered_from_the_spec_without_outside_assets(client, spec):
    page = client.get("/api/v1/docs", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path, item in spec["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "delete"):
                assert f"{method.upper()} {path}" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html


# --- the document says what the server enforces ----------------------------------------------------
def _documented_schemas(app) -> list[tuple[str, type]]:
    """(component name, marshmallow schema class) for every schema the document was made from."""
    plugin = next(p for p in app.extensions["pilotflow-api"].document().plugins if hasattr(p, "converter"))
    return sorted((name, key[0]) for key, name in plugin.converter.refs.items())


def _expected_keywords(field) -> dict:
    """The JSON-schema keywords a field's validators imply."""
    expected = {}
    is_list = isinstance(field, ma_fields.List)
    for v in field.validators:
        if isinstance(v, validate.Range):
            if v.min is not None:
                expected["minimum" if v.min_inclusive else "exclusiveMinimum"] = float(v.min)
            if v.max is not None:
                expected["maximum" if v.max_inclusive else "exclusiveMaximum"] = float(v.max)
        elif isinstance(v, validate.Length):
            low, high = ("minItems", "maxItems") if is_list else ("minLength", "maxLength")
            if v.equal is not None:
                expected[low] = expected[high] = v.equal
            if v.min is not None:
                expected[low] = v.min
            if v.max is not None:
                expected[high] = v.max
        elif isinstance(v, validate.OneOf):
            expected["enum"] = sorted(map(str, v.choices))
        elif isinstance(v, Window):
            expected["description"] = v.description
    if isinstance(field, ma_fields.Enum):
        expected["enum"] = sorted(str(m.value if field.by_value else m.name) for m in field.enum)
    if isinstance(field, TwoPlaces):
        expected["description"] = TwoPlaces.DESCRIPTION
    return expected


def _documented(prop: dict, keyword: str):
    value = prop.get(keyword)
    if keyword == "enum":
        return sorted(map(str, (v for v in value if v is not None))) if value is not None else None
    return float(value) if value is not None and keyword in ("minimum", "maximum", "exclusiveMinimum",
                                                           "exclusiveMaximum") else value


def test_every_validated_field_carries_its_bounds_in_the_document(app, spec):
    """Ranges, lengths and choices are read off the marshmallow schemas the server validates
    with: each is in the document (minimum/maximum, minLength/maxLength, minItems/maxItems, enum),
    and so is an amount's or a score's two decimal places, and a date's window (their description)."""
    checked, missing = 0, []
    for name, schema_class in _documented_schemas(app):
        component = spec["components"]["schemas"][name]
        for field_name, field in schema_class().fields.items():
            prop = component["properties"].get(field.data_key or field_name, {})
            for keyword, value in _expected_keywords(field).items():
                checked += 1
                if _documented(prop, keyword) != value:
                    missing.append(f"{name}.{field_name}: {keyword} {value!r}, documented {prop.get(keyword)!r}")
    assert missing == []
    assert checked > 100


def test_an_odd_panel_is_documented_as_the_odd_sizes(spec):
    body = spec["components"]["schemas"]["AcceptanceFormPanel"]["properties"]["size"]
    assert body["enum"] == [3, 5, 7, 9, 11, 13, 15] and (body["minimum"], body["maximum"]) == (3, 15)


def _outside(prop: dict):
    """A value the document rules out for ``prop`` (None when it allows every value of its type)."""
    if "enum" in prop:
        if prop.get("type") == "integer":
            return next(n for n in range(prop.get("minimum", 0), prop.get("maximum", 100) + 2)
                        if n not in prop["enum"])
        return "not-one-of-the-choices"
    if "maximum" in prop:
        return prop["maximum"] + 1 if prop.get("type") == "integer" else str(prop["maximum"] + 1)
    if "maxLength" in prop:
        return "字" * (prop["maxLength"] + 1)
    if prop.get("minLength", 0) > 0:
        return ""
    return None


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_server_refuses_each_body_value_the_document_rules_out(api, spec, kind):
    """For every step's body and every property with a documented bound or choice: a value just
    outside it is a 422 naming that field (before anything is read: the id need not exist)."""
    tried = 0
    for trigger in KINDS[kind].flow.triggers:
        op = spec["paths"][f"/api/v1/{PATHS[kind]}/{{entity_id}}/actions/{trigger}"]["post"]
        body = _resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
        for name, prop in body["properties"].items():
            value = _outside(prop)
            if name == "version" or value is None:
                continue
            tried += 1
            response = api.post(f"{PATHS[kind]}/999999/actions/{trigger}", "office", json={"version": 1, name: value})
            assert response.status_code == 422, (trigger, name, value, response.get_json())
            assert name in response.get_json().get("fields", {}), (trigger, name, response.get_json())
    assert tried or kind == "project"


def test_the_application_draft_refuses_what_its_document_rules_out(api, spec):
    draft = _resolve(spec, spec["paths"]["/api/v1/applications"]["post"]["requestBody"]["content"]
                     ["application/json"]["schema"])
    for name, prop in draft["properties"].items():
        value = _outside(prop)
        if value is None:
            continue
        response = api.post("applications", "wuhua_applicant", json={name: value})
        assert response.status_code == 422 and name in response.get_json()["fields"], (name, value)


MULTIPART = {  # operation → (caller, valid parts)
    "/api/v1/applications/{application_id}/attachments": ("wuhua_applicant", {"kind": "budget"}),
    "/api/v1/documents/verify": ("office", {}),
    "/api/v1/calendar/imports": ("admin", {"source": "国办发明电"}),
}


@pytest.mark.parametrize("path", list(MULTIPART))
def test_an_unknown_multipart_part_is_refused_as_documented(api, spec, path):
    op = spec["paths"][path]["post"]
    schema = _resolve(spec, op["requestBody"]["content"]["multipart/form-data"]["schema"])
    assert schema["additionalProperties"] is False
    caller, parts = MULTIPART[path]
    url = path.replace("{application_id}", str(factories.draft()))
    for extra in ({"surprise": "x"}, {"surprise": (io.BytesIO(b"%PDF-1.4"), "x.pdf")}):
        data = {**parts, "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf"), **extra}
        response = api.post(url, caller, data=data, content_type="multipart/form-data")
        assert response.status_code == 422, (path, extra, response.get_json())
        assert "surprise" in response.get_json()["fields"]
    assert set(schema["properties"]) >= set(parts) | {"file"}


def test_every_stored_file_gives_its_size_as_the_pages_show_it(spec):
    """Whatever holds a file's size in bytes (an application's, a funding or change request's
    attachment, a stage's material) also gives it as text ("48 KB"), one field for all."""
    sized = {name: schema for name, schema in spec["components"]["schemas"].items()
             if schema.get("properties", {}).get("size", {}).get("description") == "In bytes."}
    assert {"Attachment", "FundingAttachment", "ChangeAttachment", "Material"} <= set(sized)
    for name, schema in sized.items():
        assert "size_text" in schema["required"], name
        assert schema["properties"]["size_text"] == sized["Attachment"]["properties"]["size_text"], name


def test_every_download_documents_its_real_content_types(spec):
    """No download says application/octet-stream: each lists the types the server sends."""
    downloads = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            content = op.get("responses", {}).get("200", {}).get("content", {}) if isinstance(op, dict) else {}
            if content and "application/json" not in content:
                downloads[f"{method.upper()} {path}"] = set(content)
    assert downloads["GET /api/v1/documents/{document_id}"] == {"application/pdf"}
    assert downloads["GET /api/v1/projects/{project_id}/dossier"] == {"application/zip"}
    assert downloads["GET /api/v1/applications/{application_id}/attachments/{attachment_id}"] == \
        set(CONTENT_TYPES.values())
    assert not any("application/octet-stream" in types for types in downloads.values())


def test_an_attachment_downloads_as_one_of_its_documented_types(api, spec):
    app_id = factories.draft()
    att = api.post(f"applications/{app_id}/attachments", "wuhua_applicant",
                   data={"kind": "budget", "file": (io.BytesIO(PDF), "预算.pdf")},
                   content_type="multipart/form-data").get_json()
    download = api.get(f"applications/{app_id}/attachments/{att['id']}", "office")
    documented = spec["paths"]["/api/v1/applications/{application_id}/attachments/{attachment_id}"]["get"]
    assert download.status_code == 200 and download.mimetype in documented["responses"]["200"]["content"]
