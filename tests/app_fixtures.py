"""The app's fixtures (a pytest plugin that tests/conftest.py loads for every directory but
tests/workflows). Every test gets its own database, built from migrations (never create_all)
plus reference and demo data: a clone of a template built once per worker (tests/databases.py).

  template_database   the migrated and seeded template (a tests.databases.Database)
  database_url        this test's own clone of it
  app                 the app on that database, inside an app context
  client / runner     the test client (fresh app context per request) and the CLI runner
  users               users["office"] → the demo User of that name
  pki_dir             this run's deployment CA
  mailbox             a real SMTP server (aiosmtpd) the app sends to, and the mails received
  factory_jobs        the factories' jobs run as their steps commit (tests/factories.py holds them)
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import clock
from app.database import transaction
from app.demo.seed import load_demo
from app.extensions import db
from app.factory import create_app
from app.models import User
from tests import databases, factories
from tests.mailserver import mailbox  # noqa: F401  (the real SMTP server fixture)
from tests.web.web_client import FreshContextClient


def pytest_report_header(config):
    return f"database backend: {databases.BACKEND}"


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory):
    """The deployment CA of this test run (never the developer's instance/pki)."""
    return tmp_path_factory.mktemp("pki")


def _migrate_and_seed(url: str, workdir, pki) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "UPLOAD_DIR": str(workdir / "uploads"), "DOCUMENT_DIR": str(workdir / "documents"),
                      "PKI_DIR": str(pki), "AUDIT_ANCHOR_DIR": str(workdir / "audit-anchors")})
    with app.app_context():
        upgrade(revision="heads")
        with transaction():
            load_demo()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory, pki_dir):
    """Migrated + reference + demo data, built once per test worker."""
    workdir = tmp_path_factory.mktemp("template")
    template = databases.create("template", workdir)
    _migrate_and_seed(template.url, workdir, pki_dir)
    yield template
    databases.drop(template)


@pytest.fixture
def database_url(template_database, tmp_path):
    with databases.clone(template_database, "test", tmp_path) as url:
        yield url


@pytest.fixture
def app(request, database_url, tmp_path, pki_dir):
    """The app on this test's database. Rate limits are off (tests sign in many times from one
    address); a test turns them on, lowered, with ``@pytest.mark.app_config(RATELIMIT_ENABLED=True, …)``."""
    marker = request.node.get_closest_marker("app_config")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
        "UPLOAD_DIR": str(tmp_path / "uploads"), "DOCUMENT_DIR": str(tmp_path / "documents"),
        "SECRET_KEY": "test-secret", "SERVER_NAME": None, "PKI_DIR": str(pki_dir),
        "AUDIT_ANCHOR_DIR": str(tmp_path / "audit-anchors"),
        "RATELIMIT_ENABLED": False, **(marker.kwargs if marker else {}),
    })
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _running_clock():
    """A test that sets the product's clock (app.clock) leaves it running for the next."""
    yield
    clock.set_now(None)


@pytest.fixture
def client(app):
    """Each request runs in its own app context, as on a real server (see web_client.py)."""
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """users['office'] → the demo User of that name (see app/demo/seed.py)."""

    class _Users:
        def __getitem__(self, username: str) -> User:
            user = db.session.scalar(sa.select(User).where(User.username == username))
            assert user is not None, f"no demo user {username}"
            return user

    return _Users()


@pytest.fixture
def factory_jobs(monkeypatch):
    """The factories' jobs (notifications, mails, documents) run, or reach the queue, as each of
    their steps commits: for tests that read what those jobs make. The factories hold them
    otherwise (tests/factories.py)."""
    monkeypatch.setattr(factories, "HOLD_JOBS", False)

