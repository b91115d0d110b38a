"""Property-based contract test: schemathesis generates requests (valid and invalid ones) for
every operation of the live OpenAPI document and checks each response — no server error, and
every status, content type and body as documented — as three roles: an applicant (the owner of
the seeded items), the Office's reviewer and a panel expert, each with their own token.

Generated path ids often name real rows: a hook draws each ``{…_id}`` from the seeded rows of
the kind the path names (or keeps the generated value, so missing and foreign ids are tried
too). Bounded for CI: a few examples per operation and role (PILOTFLOW_SCHEMATHESIS_EXAMPLES),
deterministic when CI=true. The figures per role (operations, cases, failures) are printed at
the end of the module (``pytest -s``); see docs/testing.md."""
from __future__ import annotations

import collections
import io
import os
import re

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.database import transaction
from app.extensions import db
from app.factory import create_app
from app.models import (
    Acceptance,
    Application,
    Attachment,
    Batch,
    Evaluation,
    Expert,
    IssuedDocument,
    MidtermCheck,
    Organisation,
    OutboxMessage,
    PanelMember,
    PlanItem,
    Project,
    User,
)
from app.services.commands import attachments, checks, tokens
from tests import databases, factories

MAX_EXAMPLES = int(os.environ.get("PILOTFLOW_SCHEMATHESIS_EXAMPLES", 4))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("applicant", "office", "expert")

# The path segment before an id → the table its real ids come from.
TABLES = {"applications": Application, "projects": Project, "midterm-checks": MidtermCheck,
          "acceptances": Acceptance, "evaluations": Evaluation, "attachments": Attachment,
          "documents": IssuedDocument, "organisations": Organisation, "batches": Batch,
          "plan-items": PlanItem, "users": User, "experts": Expert, "jobs": OutboxMessage}
REAL: dict[str, list[int]] = {}  # filled from the seeded database by the ``live`` fixture
FIGURES: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
OPERATIONS: dict[str, set] = collections.defaultdict(set)

# The document is read from a bare app (it needs no data); requests go to the seeded app below.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                                        "SECRET_KEY": "openapi"}))
schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none",
                                deterministic=os.environ.get("CI") == "true")


@schema.hook("flatmap_path_parameters")
def real_ids(context, path_parameters):
    """Each id in the path: one of the seeded rows of its kind, or the generated value."""
    segments = dict((name, seg) for seg, name in re.findall(r"/([a-z-]+)/\{(\w+)\}", context.operation.path))
    drawn = {}
    for name, value in (path_parameters or {}).items():
        ids = REAL.get(segments.get(name, ""), [])
        drawn[name] = st.sampled_from(ids) | st.just(value) if ids else st.just(value)
    return st.fixed_dictionaries(drawn)


def _seed() -> None:
    """Items in every stage, so generated ids often hit rows the caller may act on."""
    factories.graded("wuhua_applicant")
    factories.awaiting_approval("dali_applicant")
    factories.in_re_review("kunming_applicant")
    factories.submitted("qujing_applicant")
    draft = factories.draft("wuhua_applicant")
    with transaction():
        checks.open_checks(factories.user("office"), 2030)
        attachments.add_attachment(factories.user("wuhua_applicant"), draft, "budget", "budget.pdf",
                                   io.BytesIO(b"%PDF-1.4\n%%EOF\n"))


def _expert_on_a_panel() -> User:
    return db.session.scalar(sa.select(User).join(Expert, Expert.user_id == User.id)
                             .join(PanelMember, PanelMember.expert_id == Expert.id).order_by(PanelMember.id).limit(1))


@pytest.fixture(scope="module")
def live(template_database, tmp_path_factory, pki_dir):
    """One seeded database and app for every operation (like conftest's, but module-wide), and
    a token for each role: the applicant who owns the seeded items, the Office, a panel expert."""
    workdir = tmp_path_factory.mktemp("schemathesis")
    with databases.clone(template_database, "schemathesis", workdir) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "schemathesis",
                          "UPLOAD_DIR": str(workdir / "uploads"), "DOCUMENT_DIR": str(workdir / "documents"),
                          "PKI_DIR": str(pki_dir), "RATELIMIT_ENABLED": False})
        with app.app_context():
            _seed()
            holders = {"applicant": factories.user("wuhua_applicant"), "office": factories.user("office"),
                       "expert": _expert_on_a_panel()}
            headers = {}
            with transaction():
                for role, holder in holders.items():
                    _, secret = tokens.create_token(holder, {"name": f"schemathesis {role}"})
                    headers[role] = {"Authorization": f"Bearer {secret}"}
            REAL.update({segment: list(db.session.scalars(sa.select(model.id).order_by(model.id)))
                         for segment, model in TABLES.items()})
            db.session.remove()
        yield app, headers
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    for role in ROLES:
        figures = FIGURES[role]
        print(f"\nschemathesis as {role}: {len(OPERATIONS[role])} operations, {figures['cases']} cases, "
              f"{figures['server errors']} server errors, {figures['violations']} violations "
              f"(answers: {figures['2xx']} 2xx, {figures['4xx']} 4xx of which {figures['404']} 404)")


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, live, role):
    app, headers = live
    OPERATIONS[role].add(case.operation.label)
    FIGURES[role]["cases"] += 1
    response = case.call(headers=headers[role], app=app)
    FIGURES[role][f"{response.status_code // 100}xx"] += 1
    FIGURES[role]["404"] += response.status_code == 404
    if response.status_code >= 500:
        FIGURES[role]["server errors"] += 1
    assert response.status_code < 500, f"{case.method} {case.formatted_path} as {role}: {response.status_code}"
    try:
        case.validate_response(response, checks=CHECKS)  # raises on any answer the document does not allow
    except Exception:
        FIGURES[role]["violations"] += 1
        raise
