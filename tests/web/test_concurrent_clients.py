"""16 concurrent clients against a real server on SQLite (gunicorn, several workers and threads)
mixing page reads, API reads and API decisions: no "database is locked", no 5xx, no error at all.
The same mix as bench/concurrency.py, a few requests per client instead of a minute."""
from __future__ import annotations

import pytest

from app.database import transaction
from app.extensions import db
from app.models import Application
from app.services.commands import tokens
from bench.concurrency import DECIDER, READERS, locked_in_logs, mix
from bench.stack import Stack
from tests import databases
from tests import factories as f
from tests.cluster.processes import environment_of

CLIENTS, PER_CLIENT = 16, 6

pytestmark = pytest.mark.skipif(databases.BACKEND != "sqlite", reason="SQLite's write lock")


def test_sixteen_clients_mixing_reads_and_decisions_get_no_error(app, tmp_path):
    waiting = [f.submitted() for _ in range(CLIENTS * PER_CLIENT // 3)]
    decisions = [(app_id, db.session.get(Application, app_id).version) for app_id in waiting]
    secrets = {}
    for username in (*READERS, DECIDER):
        with transaction():
            secrets[username] = tokens.create_token(f.user(username), {"name": "tests"})[1]
    db.session.remove()
    env = environment_of(app, PILOTFLOW_RATELIMIT_ENABLED="0")
    env.pop("REDIS_URL", None)  # the decisions' jobs run in the server's process: more writers
    stack = Stack(tmp_path)
    try:
        url = stack.gunicorn("gunicorn", "wsgi:app", env, workers=2, threads=4)
        outcome = mix(url, secrets, decisions, clients=CLIENTS, per_client=PER_CLIENT)
    finally:
        stack.stop_all()
    assert sum(outcome.requests.values()) == CLIENTS * PER_CLIENT
    assert outcome.errors == [] and locked_in_logs(tmp_path) == 0
    assert outcome.requests["decision"] == len(decisions) and outcome.conflicts == 0
    db.session.remove()
    endorsed = [db.session.get(Application, app_id) for app_id, _ in decisions]
    assert all(a.state.value == "endorsing" and a.endorsement_level == 1 for a in endorsed)
