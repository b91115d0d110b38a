"""Shared fixtures. Every test gets its own database, built from migrations (never
create_all) plus reference and demo data: a copied SQLite file, or on PostgreSQL
(PILOTFLOW_TEST_DATABASE_URL) a database cloned from a template."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.database import transaction
from app.extensions import db

PG_URL = os.environ.get("PILOTFLOW_TEST_DATABASE_URL")
BACKEND = "postgresql" if PG_URL else "sqlite"


def pytest_report_header(config):
    return f"database backend: {BACKEND}"


def _pg_admin():
    return sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                            isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory):
    """The deployment CA of this test run (never the developer's instance/pki)."""
    return tmp_path_factory.mktemp("pki")


def _build(url: str, workdir: Path, pki: Path) -> None:
    from flask_migrate import upgrade

    from app.services.demo import load_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "UPLOAD_DIR": str(workdir / "uploads"), "DOCUMENT_DIR": str(workdir / "documents"),
                      "PKI_DIR": str(pki)})
    with app.app_context():
        upgrade(revision="heads")
        with transaction():
            load_demo()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory, worker_id, pki_dir):
    """Migrated + reference + demo data, built once per test worker."""
    workdir = tmp_path_factory.mktemp("template")
    if BACKEND == "sqlite":
        path = workdir / "template.sqlite3"
        _build(f"sqlite:///{path}", workdir, pki_dir)
        yield path
        return
    name = f"pf_template_{worker_id}_{uuid.uuid4().hex[:6]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    _build(_pg_url(name), workdir, pki_dir)
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def worker_id(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture
def database_url(template_database, tmp_path):
    if BACKEND == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template_database, path)
        yield f"sqlite:///{path}"
        return
    name = f"pf_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def app(request, database_url, tmp_path, pki_dir):
    """The app on this test's database. Rate limits are off (tests sign in many times from one
    address); a test turns them on, lowered, with ``@pytest.mark.app_config(RATELIMIT_ENABLED=True, …)``."""
    marker = request.node.get_closest_marker("app_config")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
        "UPLOAD_DIR": str(tmp_path / "uploads"), "DOCUMENT_DIR": str(tmp_path / "documents"),
        "SECRET_KEY": "test-secret", "SERVER_NAME": None, "PKI_DIR": str(pki_dir),
        "RATELIMIT_ENABLED": False, **(marker.kwargs if marker else {}),
    })
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """Each request runs in its own app context, as on a real server (see web_client.py)."""
    from tests.web.web_client import FreshContextClient

    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """users['office'] → the demo User of that name (see app/services/demo.py)."""
    from app.models import User

    class _Users:
        def __getitem__(self, username: str) -> User:
            user = db.session.scalar(sa.select(User).where(User.username == username))
            assert user is not None, f"no demo user {username}"
            return user

    return _Users()
