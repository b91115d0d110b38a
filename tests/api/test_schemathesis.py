"""Property-based contract test: schemathesis generates requests (valid and invalid ones) for
every operation of the live OpenAPI document and checks each response — no server error, and
every status, content type and body as documented. Bounded for CI: a few examples per
operation (PILOTFLOW_SCHEMATHESIS_EXAMPLES), deterministic when CI=true."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.database import transaction
from app.extensions import db
from tests import databases, factories

MAX_EXAMPLES = int(os.environ.get("PILOTFLOW_SCHEMATHESIS_EXAMPLES", 6))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# The document is read from a bare app (it needs no data); requests go to the seeded app below.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                                        "SECRET_KEY": "openapi"}))
schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none",
                                deterministic=os.environ.get("CI") == "true")


def _seed() -> None:
    """Items in every stage, so generated ids often hit rows the caller may act on."""
    from app.services.commands import checks

    factories.graded("wuhua_applicant")
    factories.awaiting_approval("dali_applicant")
    factories.in_re_review("kunming_applicant")
    factories.submitted("qujing_applicant")
    factories.draft("wuhua_applicant")
    with transaction():
        checks.open_checks(factories.user("office"), 2030)


@pytest.fixture(scope="module")
def live(template_database, tmp_path_factory, pki_dir):
    """One seeded database and app for every operation (like conftest's, but module-wide)."""
    workdir = tmp_path_factory.mktemp("schemathesis")
    with databases.clone(template_database, "schemathesis", workdir) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "schemathesis",
                          "UPLOAD_DIR": str(workdir / "uploads"), "DOCUMENT_DIR": str(workdir / "documents"),
                          "PKI_DIR": str(pki_dir)})
        with app.app_context():
            from app.services.commands import tokens

            _seed()
            with transaction():
                _, secret = tokens.create_token(factories.user("office"), {"name": "schemathesis"})
            db.session.remove()
        yield app, {"Authorization": f"Bearer {secret}"}
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@schema.parametrize()
@settings(deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, live):
    app, headers = live
    response = case.call(headers=headers, app=app)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
    case.validate_response(response, checks=CHECKS)  # raises on any answer the document does not allow
