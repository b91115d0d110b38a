"""The dossier built by a job (issue 11: the Office seal's key only in the worker): the request
records an export and its outbox row and nothing else; the job seals; requests are idempotent;
a retried or duplicated job writes one file; a failure is said in words; pages poll the status."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock, models
from app.database import transaction
from app.documents import storage
from app.extensions import db
from app.jobs import queue, runner
from app.models import DossierExport, DossierStatus, OutboxMessage, OutboxStatus
from app.services.commands import checks
from app.services.documents import dossier, dossier_check, dossier_exports
from app.services.records import outbox
from tests import factories as f
from tests.services.test_concurrency import race
from tests.web.web_client import User

NO_QUEUE_LISTENS = "redis://127.0.0.1:1/0"  # connection refused at once: the rows wait in the outbox


@pytest.fixture
def hold_jobs(app):
    """hold_jobs() → from then on jobs are not run by the request that enqueued them: as with a
    queue whose worker has not taken them yet."""
    def hold():
        app.config["REDIS_URL"] = NO_QUEUE_LISTENS
        queue.init_app(app)
    yield hold
    app.config["REDIS_URL"] = None
    queue.init_app(app)


def _project() -> int:
    """A project whose documents are rendered (their jobs ran in-process)."""
    return f.project("wuhua_applicant")


def _jobs() -> list[int]:
    return list(db.session.scalars(sa.select(OutboxMessage.id).where(OutboxMessage.kind == dossier_exports.JOB)
                                   .order_by(OutboxMessage.id)))


def _exports(project_id: int) -> list[DossierExport]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(DossierExport).where(DossierExport.project_id == project_id)
                                   .order_by(DossierExport.id)))


def _files(app) -> list:
    folder = storage.named_path("0" * 32).parent
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_request_only_enqueues_and_the_worker_seals(app, hold_jobs):
    project_id = _project()
    hold_jobs()
    owner = User(app, "wuhua_applicant")
    app.config["OFFICE_SEAL_PASSPHRASE"] = "not the seal's passphrase"  # the web app cannot unwrap the key
    assert owner.post(f"/projects/{project_id}/dossier").status_code == 302
    [export] = _exports(project_id)
    assert export.status == DossierStatus.PENDING and export.sha256 is None and _files(app) == []
    [job] = _jobs()

    page = owner.get(f"/projects/{project_id}").text  # 正在生成, polled by static/js/documents.js
    status_url = f"/projects/{project_id}/dossier/{export.id}/status"
    assert f'data-dossier-status-url="{status_url}"' in page and "js/documents.js" in page
    assert 'data-testid="dossier-build"' not in page  # one build at a time
    assert owner.get(status_url).get_json() == {"status": "pending", "current": False}
    waiting = owner.get(f"/projects/{project_id}/dossier/{export.id}")
    assert waiting.status_code == 202 and waiting.headers["Retry-After"] and b"PK" not in waiting.data[:2]

    del app.config["OFFICE_SEAL_PASSPHRASE"]  # the worker holds it
    assert runner.run(job) == "done"
    [export] = _exports(project_id)
    assert export.status == DossierStatus.READY and export.last_record_id and export.content_key
    assert owner.get(status_url).get_json() == {"status": "ready", "current": True}
    data = owner.get(f"/projects/{project_id}/dossier/{export.id}").data
    assert storage.sha256(data) == export.sha256 and len(data) == export.size
    report = dossier_check.verify_data(data)
    assert report.verdict == "authentic" and report.seal.valid, report.problems
    assert _files(app) == [storage.named_path(export.file_name)]


def test_requests_are_idempotent_and_reuse_a_current_dossier(app, hold_jobs):
    project_id = _project()
    hold_jobs()
    office, owner = f.user("office"), f.user("wuhua_applicant")
    with transaction():
        first = dossier_exports.request(office, project_id).id
    with transaction():
        second = dossier_exports.request(owner, project_id).id  # being built: the same export
    assert first == second and len(_jobs()) == 1
    runner.run(_jobs()[0])
    with transaction():
        again = dossier_exports.request(owner, project_id)
        assert again.id == first and again.status == DossierStatus.READY  # nothing changed: reused
    assert len(_jobs()) == 1

    with transaction():  # the project's record grows: a mid-term check opens (an audit record)
        checks.open_checks(office, clock.today().year)
    with transaction():
        assert not dossier_exports.status(owner, project_id, first).current
        newer = dossier_exports.request(owner, project_id).id
    assert newer != first and len(_jobs()) == 2 and [e.id for e in _exports(project_id)] == [first, newer]


def test_a_retried_or_duplicated_job_writes_one_file(app, hold_jobs):
    project_id = _project()
    hold_jobs()
    with transaction():
        export_id = dossier_exports.request(f.user("office"), project_id).id
    [job] = _jobs()
    msg = outbox.Message(job, dossier_exports.JOB, {"export_id": export_id})
    with transaction():  # two jobs on one export (the sweeper re-handed a slow one): both read and build
        a, b = dossier_exports.collect(export_id), dossier_exports.collect(export_id)
    first, second = dossier.build(a.contents), dossier.build(b.contents)
    with transaction(), outbox.finishing(msg):
        assert dossier_exports.store(a, first) is not None
    with transaction():
        assert dossier_exports.store(b, second) is None  # the first stands; nothing written
    [export] = _exports(project_id)
    assert _files(app) == [storage.named_path(export.file_name)]
    assert storage.named_path(export.file_name).read_bytes() == first
    assert runner.run(job) == "skipped" and len(_files(app)) == 1  # done: a retry does nothing


def test_a_failed_attempt_is_said_in_words_and_retried_into_the_same_file(app, hold_jobs):
    project_id = _project()
    hold_jobs()
    owner = User(app, "wuhua_applicant")
    owner.post(f"/projects/{project_id}/dossier")
    [job] = _jobs()
    app.config["OFFICE_SEAL_PASSPHRASE"] = "wrong"  # the seal cannot be unwrapped: the job fails
    assert runner.run(job) == "failed"
    [export] = _exports(project_id)
    assert export.status == DossierStatus.PENDING and db.session.get(OutboxMessage, job).attempts == 1
    assert "data-dossier-status-url" in owner.get(f"/projects/{project_id}").text  # still 正在生成

    with transaction():  # every attempt failed but the last
        db.session.get(OutboxMessage, job).attempts = outbox.MAX_ATTEMPTS - 1
    clock.set_now(clock.now() + timedelta(hours=1))
    assert runner.run(job) == "failed"
    [export] = _exports(project_id)
    assert export.status == DossierStatus.FAILED and db.session.get(OutboxMessage, job).status == OutboxStatus.FAILED
    page = owner.get(f"/projects/{project_id}").text
    assert 'data-status="failed"' in page and "无法生成" in page and 'data-testid="dossier-build"' in page
    assert owner.get(f"/projects/{project_id}/dossier/{export.id}/status").get_json()["status"] == "failed"
    assert owner.get(f"/projects/{project_id}/dossier/{export.id}").status_code == 409

    del app.config["OFFICE_SEAL_PASSPHRASE"]  # an administrator fixes it and retries the job
    with transaction():
        outbox.retry(job)  # handed over after the commit: to the queue nobody listens on
    assert runner.run(job) == "done"
    [export] = _exports(project_id)
    assert export.status == DossierStatus.READY and _files(app) == [storage.named_path(export.file_name)]
    assert re.search(r'data-testid="dossier-download"', owner.get(f"/projects/{project_id}").text)


def test_concurrent_requests_make_one_export(app, hold_jobs):
    project_id = _project()
    hold_jobs()
    ids = [f.user(name).id for name in ("office", "leader", "wuhua_applicant", "office")] * 2

    def requester(user_id):
        return lambda: dossier_exports.request(db.session.get(models.User, user_id), project_id)

    assert race(app, [requester(i) for i in ids]) == ["ok"] * len(ids)  # the project's row: they take turns
    # (without that lock 8 concurrent requests made 5 exports on PostgreSQL)
    assert len(_exports(project_id)) == 1 and len(_jobs()) == 1
