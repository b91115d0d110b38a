"""tests/workflows needs no app: nothing here imports Flask, SQLAlchemy or the app. When only
this directory runs, each test process checks at its end that none of them was imported by
anything (a test, a fixture, a plugin) and reports an error naming what was."""
from __future__ import annotations

import pytest

from tests.framework_free import loaded_frameworks, only_framework_free_tests


@pytest.fixture(scope="session", autouse=True)
def no_framework_imported(request):
    yield
    if only_framework_free_tests(request.config):
        loaded = loaded_frameworks()
        assert not loaded, f"tests/workflows ran with framework modules imported: {', '.join(loaded[:12])}"
