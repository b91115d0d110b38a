"""The job queue against a real redis-server: decisions commit when Redis is down and the work
is handed over when it is back; a failing job backs off, lands in the failed list after its
last attempt and runs again when an admin retries it — from the CLI and from the admin page."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import SimpleWorker

from app import clock
from app.database import transaction
from app.extensions import db
from app.jobs import periodic, queue
from app.models import (
    Application,
    IssuedDocument,
    Notification,
    OutboxMessage,
    OutboxStatus,
)
from app.services.commands import applications
from app.services.documents import issuing
from app.services.records import outbox
from tests import factories as f
from tests.api.conftest import ApiClient
from tests.cluster.processes import Redis
from tests.web.web_client import User


@pytest.fixture
def redis_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("redis")


def _with_queue(app, url: str) -> None:
    app.config["REDIS_URL"] = url
    queue.init_app(app)


def _drain() -> None:
    SimpleWorker([queue.queue()], connection=queue.connection()).work(burst=True, logging_level="WARNING")


def test_decisions_commit_while_redis_is_down_and_the_sweeper_hands_the_work_over_when_it_is_back(app, redis_dir):
    server = Redis(redis_dir)
    _with_queue(app, server.url)  # nothing listens on the socket yet
    project_id = f.project()  # every decision commits; their jobs stay in the outbox
    doc = issuing.latest("project_approval", project_id)
    assert doc.versions == [] and outbox.counts().queued > 0
    server.start()
    try:
        assert queue.sweep() == 0  # handed over moments ago: not yet considered lost
        clock.set_now(clock.now() + timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 1))
        handed = queue.sweep()
        assert handed == outbox.counts().queued > 0 and len(queue.queue()) == handed
        _drain()
    finally:
        server.stop()
    db.session.refresh(doc)
    assert len(doc.versions) == 1 and outbox.counts().queued == 0


@pytest.mark.usefixtures("factory_jobs")
def test_a_queued_document_is_made_by_a_worker_not_by_the_request(app, redis_dir):
    server = Redis(redis_dir).start()
    try:
        _with_queue(app, server.url)
        project_id = f.project()
        doc = issuing.latest("project_approval", project_id)
        assert doc.versions == [] and issuing.status_of(doc) == "generating"
        assert len(queue.queue()) > 0
        _drain()
    finally:
        server.stop()
    db.session.refresh(doc)
    assert issuing.status_of(doc) == "ready" and doc.versions[0].created_by_id is None


def test_a_held_steps_jobs_wait_in_the_outbox_until_handed_over(app):
    """queue.held (the factories'): the step commits, its jobs stay pending and run when handed over."""
    def pending() -> list[OutboxMessage]:
        return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)).all()

    before = len(pending())
    with queue.held():
        app_id = f.draft()
        with transaction():
            applications.submit_application(f.user("wuhua_applicant"), app_id)
    held = pending()
    assert len(held) > before and db.session.get(Application, app_id).state.value == "endorsing"
    assert not _notes("wuhua_office", app_id)
    assert f.deliver() == len(held)
    db.session.expire_all()
    assert pending() == [] and _notes("wuhua_office", app_id)


def _notes(username: str, app_id: int) -> list[Notification]:
    return db.session.scalars(sa.select(Notification).where(
        Notification.user_id == f.user(username).id, Notification.entity_id == app_id)).all()


def _broken_job() -> int:
    with transaction():
        return outbox.enqueue("no_such_kind", {"why": "a job whose handler is missing"})


def test_a_failing_job_backs_off_then_fails_and_an_admin_retries_it(app, runner):
    job = _broken_job()  # ran in-process after the commit, and failed
    row = db.session.get(OutboxMessage, job)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and "no handler" in row.last_error
    assert outbox.counts().scheduled == 1 and queue.sweep() == 0  # not before its back-off
    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        clock.set_now(clock.now() + outbox.RETRY_DELAYS[attempt - 2] + timedelta(seconds=1))
        assert queue.sweep() == 1
        db.session.refresh(row)
        assert row.attempts == attempt
    assert row.status == OutboxStatus.FAILED and outbox.counts().failed == 1
    listed = runner.invoke(args=["jobs", "list"])
    assert f"{job}\tno_such_kind\tfailed" in listed.output and "no handler" in listed.output
    status = runner.invoke(args=["jobs", "status"])
    assert "failed:    1" in status.output and "time_limits" in status.output
    retried = runner.invoke(args=["jobs", "retry", str(job)])
    assert retried.exit_code == 0, retried.output
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1  # ran again at once, failed again


def test_the_admin_page_lists_failed_jobs_and_retries_them_and_is_for_admins_only(app):
    job = _broken_job()
    with transaction():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == job)
                           .values(status=OutboxStatus.FAILED))
    assert User(app, "office").get("/admin/jobs/").status_code == 403
    admin = User(app, "admin")
    page = admin.get("/admin/jobs/").text
    assert f'data-job="{job}"' in page and "no handler" in page and 'data-count="failed">1<' in page
    assert admin.client.post(f"/admin/jobs/{job}/retry").status_code == 400  # no CSRF token
    assert admin.post(f"/admin/jobs/{job}/retry").status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, job).attempts == 1
    assert admin.post("/admin/jobs/999999/retry").status_code == 404


@pytest.mark.usefixtures("factory_jobs")
def test_a_document_job_never_makes_a_second_file(app):
    project_id = f.project()
    doc = issuing.latest("project_approval", project_id)
    first = doc.current.sha256
    with transaction():  # the same job handed over again (a lost job found by the sweeper)
        row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == issuing.RENDER_JOB)
                                .order_by(OutboxMessage.id.desc()).limit(1))
        row.status = OutboxStatus.PENDING
    queue.hand_over([row.id])
    db.session.refresh(doc)
    assert len(doc.versions) == 1 and doc.current.sha256 == first
    assert db.session.scalar(sa.select(sa.func.count(IssuedDocument.id))) >= 1


def test_the_job_queue_api_is_for_admins_and_retries_a_failed_job(app, client):
    api = ApiClient(client)
    job = _broken_job()
    with transaction():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == job)
                           .values(status=OutboxStatus.FAILED))
    assert api.get("jobs", "office").status_code == 403
    seen = api.get("jobs", "admin").get_json()
    assert seen["counts"]["failed"] == 1 and [j["id"] for j in seen["failed"]] == [job]
    assert "no handler" in seen["failed"][0]["last_error"]
    assert {s["name"] for s in seen["scheduled"]} <= set(periodic.PERIODIC)
    assert api.post(f"jobs/{job}/retry", "office").status_code == 403
    again = api.post(f"jobs/{job}/retry", "admin").get_json()
    assert again == {**again, "id": job, "status": "pending", "attempts": 0}
    db.session.expire_all()
    assert db.session.get(OutboxMessage, job).attempts == 1  # it ran at once after the commit, and failed again
    assert api.post("jobs/999999/retry", "admin").status_code == 404


@pytest.mark.usefixtures("factory_jobs")
def test_a_requests_jobs_go_to_the_queue_once_its_answer_has_been_sent(app, client, redis_dir):
    """The person deciding does not wait for Redis: the rows a request's decision wrote are
    handed over when its answer closes (the server has sent it). Outside a request (a command,
    a job) they are handed over at the commit."""
    server = Redis(redis_dir).start()
    try:
        _with_queue(app, server.url)
        app_id = f.submitted("wuhua_applicant")
        assert len(queue.queue()) > 0  # the submission, outside a request: handed over at its commit
        before = len(queue.queue())
        version = db.session.get(Application, app_id).version
        response = ApiClient(client).post(f"applications/{app_id}/actions/endorse", "wuhua_office",
                                          json={"version": version, "opinion": "同意上报"})
        assert response.status_code == 200, response.get_json()
        assert len(queue.queue()) == before  # answered and committed; not handed over yet
        response.close()  # what a server does once the answer has gone out
        assert len(queue.queue()) > before
        _drain()
    finally:
        server.stop()
    assert outbox.counts().queued == 0
