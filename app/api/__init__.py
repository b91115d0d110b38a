"""The JSON API, version 1 (/api/v1): flask-smorest blueprints over the same services as the
web pages, its OpenAPI 3 document at /api/v1/openapi.json and a reference page at /api/v1/docs."""
from __future__ import annotations

import threading

from apispec import APISpec
from flask import Flask
from flask_smorest import Api
from marshmallow import fields

from app.api import (
    admin,
    applications,
    calendar,
    changes,
    delegations,
    demonstration,
    docs,
    documents,
    endorsements,
    errors,
    funding,
    jobs,
    later_stages,
    notifications,
    projects,
    reference,
    supervision,
    time_limits,
)
from app.api.auth import SECURITY_SCHEME, register_touch
from app.api.blueprint import (
    PREFIX,
    IdConverter,
    IsoDateConverter,
    YearConverter,
    date_parameter_schema,
    id_parameter_schema,
    private,
    year_parameter_schema,
)
from app.api.schemas import ErrorSchema
from app.extensions import csrf

API_CONFIG = {
    "API_TITLE": "Pilotflow (试点通) API",
    "API_VERSION": "1.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": (
            "Provincial e-government pilot programme: applications, endorsement, review, 立项, "
            "mid-term checks, expert acceptance and evaluation. Authenticate every call with a "
            "personal token: `Authorization: Bearer <token>`. Errors are JSON "
            "`{status, error, message, fields?}`; `Accept-Language: zh-CN` or `en` picks the language "
            "of labels and messages.")},
        "security": [{"bearerAuth": []}],
        "servers": [{"url": "/"}],
    },
}


class PilotflowApi(Api):
    """flask-smorest's Api whose OpenAPI document is written when first asked for (``document``),
    not while the app is made: describing ~90 operations took most of ``create_app``'s time, and
    most processes (a worker, a CLI command, each test's app) never serve the document."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app=None, **kwargs):
        self._undocumented: list = []
        self._documenting = threading.Lock()
        super().__init__(app, **kwargs)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As flask-smorest's, but the resource's tag is its plain name (see blueprint.Blueprint)
        and its operations are described on first use of the document."""
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, parameters))

    def document(self) -> APISpec:
        """The OpenAPI document, every registered blueprint described in it."""
        with self._documenting:
            while self._undocumented:
                blp, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(self, self._app, self.spec, name=blp.name, parameters=parameters)
                self.spec.tag({"name": blp.tag, "description": blp.description})
        return self.spec

    def _openapi_json(self):
        self.document()
        return super()._openapi_json()

    def _register_error_handlers(self):
        """flask-smorest would answer every HTTP error of the whole app in JSON, the web pages'
        too; ours answer only API requests (see app.api.errors)."""
        errors.register_routing_errors(self._app)


def numeric_decimal_bounds(converter, field, ret=None, **kwargs) -> dict:
    """apispec writes the bounds of an ``as_string`` Decimal field as strings ("0.00"), which
    OpenAPI forbids; give them as numbers."""
    return {key: float(ret[key]) for key in ("minimum", "maximum")
            if isinstance(field, fields.Decimal) and isinstance((ret or {}).get(key), str)}


def resource_blueprints():
    return [*reference.BLUEPRINTS, applications.bp, endorsements.bp, projects.bp, *later_stages.BLUEPRINTS,
            funding.bp,
            *demonstration.BLUEPRINTS, documents.bp, notifications.bp, admin.bp, jobs.bp, calendar.bp, supervision.settings_bp,
            supervision.urging_bp, time_limits.bp, changes.bp, delegations.bp, delegations.versions_bp]


def register(app: Flask) -> None:
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["isodate"] = IsoDateConverter
    app.url_map.converters["year"] = YearConverter
    api = PilotflowApi(app)
    api.register_converter(IdConverter, id_parameter_schema)
    api.register_converter(IsoDateConverter, date_parameter_schema)
    api.register_converter(YearConverter, year_parameter_schema)
    api.ma_plugin.converter.add_attribute_function(numeric_decimal_bounds)
    api.spec.components.security_scheme("bearerAuth", SECURITY_SCHEME)
    for bp in resource_blueprints():
        csrf.exempt(bp)  # token authentication, no cookies: nothing for CSRF to forge
        api.register_blueprint(bp)
    app.register_blueprint(docs.bp)
    app.after_request(private)
    register_touch(app)
    app.extensions["pilotflow-api"] = api
