"""The OpenAPI document: valid OpenAPI 3, one documented operation per workflow action, and a
reference page rendered from it on the server with no outside assets."""
from __future__ import annotations

import re

import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

from app.kinds import KINDS
from app.services.commands import action

PATHS = {"application": "applications", "project": "projects", "midterm_check": "midterm-checks",
         "acceptance": "acceptances", "evaluation": "evaluations"}


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
        assert "401" in op["responses"] and "default" in op["responses"], (method, path)
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "error", "message"}


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
