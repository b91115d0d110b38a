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

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
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


# The app's settings for its files, and the directories under a test's work directory they name.
FILE_DIRS = {"UPLOAD_DIR": "uploads", "DOCUMENT_DIR": "documents", "AUDIT_ANCHOR_DIR": "audit-anchors"}


@contextmanager
def app_on(url: str, workdir: Path, pki_dir: Path, **config) -> Iterator[Flask]:
    """The app as the tests make it, inside its app context: on the database ``url``, its files
    under ``workdir``, this run's CA, rate limits off (tests sign in many times from one address);
    ``config`` adds or overrides settings. Its connections are closed at the end (a database that
    is then cloned as a template must have none)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "SERVER_NAME": None, **{key: str(workdir / name) for key, name in FILE_DIRS.items()},
                      "PKI_DIR": str(pki_dir), "RATELIMIT_ENABLED": False, **config})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _migrate_and_seed(url: str, workdir, pki) -> None:
    with app_on(url, workdir, pki):
        upgrade(revision="heads")
        with transaction():
            load_demo()


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
    """The app on this test's database (``app_on``). Rate limits are off; a test turns them on,
    lowered, with ``@pytest.mark.app_config(RATELIMIT_ENABLED=True, …)``."""
    marker = request.node.get_closest_marker("app_config")
    with app_on(database_url, tmp_path, pki_dir, **(marker.kwargs if marker else {})) as app:
        yield app


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

