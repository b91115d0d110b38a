"""Test databases, made one way: a template built once per test worker, then a clone for each
test (or for a live server) — a file copy on SQLite, ``CREATE DATABASE … TEMPLATE …`` on
PostgreSQL (PILOTFLOW_TEST_DATABASE_URL) — and dropped afterwards.

    template = databases.create("template", workdir)     # empty; the caller migrates and seeds it
    with databases.clone(template, "test", tmp_path) as url: ...
    with databases.copied(template, "richer", workdir) as richer: ...   # a Database: seed it, clone it
    databases.drop(template)
"""
from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

PG_URL = os.environ.get("PILOTFLOW_TEST_DATABASE_URL")
BACKEND = "postgresql" if PG_URL else "sqlite"


@dataclass(frozen=True)
class Database:
    """One test database: ``name`` is the file path on SQLite, the database name on PostgreSQL."""

    name: str
    url: str


def _with_driver(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _pg_url(name: str) -> str:
    return _with_driver(PG_URL).rsplit("/", 1)[0] + f"/{name}"


def _pg(statement: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE cannot run
    inside a transaction)."""
    admin = sa.create_engine(_with_driver(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        admin.dispose()


def _new(label: str, workdir: Path, template: Database | None) -> Database:
    if BACKEND == "sqlite":
        path = workdir / f"{label}.sqlite3"
        if template is not None:
            shutil.copyfile(template.name, path)
        return Database(str(path), f"sqlite:///{path}")
    name = f"pf_{label}_{uuid.uuid4().hex[:10]}"
    _pg(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template.name}"' if template else ""))
    return Database(name, _pg_url(name))


def create(label: str, workdir: Path) -> Database:
    """A new, empty database (a template to migrate and seed)."""
    return _new(label, workdir, None)


def drop(database: Database) -> None:
    """Remove the database (a SQLite file goes with its temporary directory)."""
    if BACKEND == "postgresql":
        _pg(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


@contextmanager
def copied(template: Database, label: str, workdir: Path) -> Iterator[Database]:
    """A copy of ``template`` for the duration of the block, dropped after it: a template of its
    own for tests that share more than the demo data (seed it once, ``clone`` it per test)."""
    made = _new(label, workdir, template)
    try:
        yield made
    finally:
        drop(made)


@contextmanager
def clone(template: Database, label: str, workdir: Path) -> Iterator[str]:
    """A copy of ``template`` for the duration of the block; yields its URL."""
    with copied(template, label, workdir) as made:
        yield made.url
