"""The suite's entry. tests/workflows tests a framework-free library and runs without Flask:
this file imports nothing of the app, and it loads the app's fixtures (tests/app_fixtures.py:
a database per test, app, client, runner, users) unless every path pytest was given lies in
tests/workflows — there, asking for ``app`` is an unknown fixture, and tests/workflows/conftest.py
fails the run if Flask, SQLAlchemy or the app were imported at all."""
from __future__ import annotations

from tests.framework_free import only_framework_free_tests


def pytest_configure(config):
    if not only_framework_free_tests(config):
        config.pluginmanager.import_plugin("tests.app_fixtures")
