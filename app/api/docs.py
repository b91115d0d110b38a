"""The human-readable API reference, rendered on the server from the live OpenAPI document
(no JavaScript viewer, no CDN): /api/v1/docs."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from app.api.blueprint import PREFIX

bp = Blueprint("api_docs", __name__, url_prefix=PREFIX)
METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(spec: dict, node: dict | None) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        section = node["$ref"].split("/")[2]
        node = spec["components"][section][name]
    return node or {}


def _type(spec: dict, schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"array of {_type(spec, schema.get('items', {}))}"
    kind = schema.get("type", "any")
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if schema.get("enum"):
        kind += ": " + ", ".join(map(str, schema["enum"]))
    return kind


def _fields(spec: dict, schema: dict | None) -> list[dict]:
    schema = _resolve(spec, schema)
    if schema.get("type") == "array":
        schema = _resolve(spec, schema.get("items"))
    required = set(schema.get("required", []))
    return [{"name": name, "type": _type(spec, prop), "required": name in required,
             "description": prop.get("description", ""), "nullable": prop.get("nullable", False)}
            for name, prop in schema.get("properties", {}).items()]


def reference_model(spec: dict) -> list[dict]:
    """Tags with their operations, parameters, bodies and responses, ready for the template."""
    tags = [{"name": t["name"], "description": t.get("description", ""), "operations": []}
            for t in spec.get("tags", [])]
    by_name = {t["name"]: t for t in tags}
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [_resolve(spec, p) for p in shared + op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {})
            bodies = [{"content_type": ct, "fields": _fields(spec, c.get("schema"))} for ct, c in body.items()]
            responses = []
            for code, response in op.get("responses", {}).items():
                response = _resolve(spec, response)
                content = response.get("content", {})
                schema = next(iter(content.values()), {}).get("schema") if content else None
                responses.append({"code": code, "description": response.get("description", ""),
                                  "type": _type(spec, schema) if schema else ""})
            for tag in op.get("tags", ["default"]):
                by_name.setdefault(tag, {"name": tag, "description": "", "operations": []})["operations"].append({
                    "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                    "type": _type(spec, p.get("schema", {})),
                                    "description": p.get("description", "")} for p in params],
                    "bodies": bodies, "responses": responses})
    return [t for t in by_name.values() if t["operations"]]


def schema_models(spec: dict) -> list[dict]:
    return [{"name": name, "fields": _fields(spec, schema)}
            for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())]


@bp.route("/docs")
def reference():
    spec = current_app.extensions["pilotflow-api"].document().to_dict()
    return render_template("api/reference.html", spec=spec, tags=reference_model(spec),
                           schemas=schema_models(spec))
