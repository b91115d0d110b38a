"""Handing outbox rows to RQ (one queue, "pilotflow"), or running them in-process without it."""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Iterator

from flask import Flask, Response, current_app, g, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from app.database import transaction
from app.jobs import handlers, runner  # noqa: F401  (handlers: registers every job kind)
from app.services.records import outbox

QUEUE_NAME = "pilotflow"
_EXTENSION = "pilotflow.redis"
_draining: ContextVar[list[int] | None] = ContextVar("pilotflow_draining", default=None)  # rows run here
_here: ContextVar[bool] = ContextVar("pilotflow_jobs_here", default=False)  # inside in_process()
_held: ContextVar[bool] = ContextVar("pilotflow_jobs_held", default=False)  # inside held()
_ANSWERED = "pilotflow_handover"  # on ``g``: the request's rows, handed over once its answer is sent


def init_app(app: Flask) -> None:
    """Connect to ``REDIS_URL`` if set (no connection is made until first use)."""
    url = app.config.get("REDIS_URL")
    app.extensions[_EXTENSION] = Redis.from_url(url) if url else None
    if not app.extensions.get(_ANSWERED):  # (init_app may run again on one app: a new REDIS_URL)
        app.extensions[_ANSWERED] = True
        app.before_request(_collect)
        app.after_request(_hand_over_when_answered)


def _collect() -> None:
    g.setdefault(_ANSWERED, [])


def _hand_over_when_answered(response: Response) -> Response:
    """A request's jobs go to the queue once its answer has been sent: the person deciding does
    not wait for Redis. Should the process die in between, the rows wait in the outbox for the
    sweeper, as when Redis is down."""
    ids = g.pop(_ANSWERED, None)
    if ids:
        app = current_app._get_current_object()
        response.call_on_close(lambda: _hand_over_in(app, ids))
    return response


def _hand_over_in(app: Flask, ids: list[int]) -> None:
    with app.app_context():  # the request's context is gone when its answer has been sent
        hand_over(ids)


def connection() -> Redis | None:
    return None if _here.get() else current_app.extensions.get(_EXTENSION)


@contextmanager
def in_process() -> Iterator[None]:
    """Inside the block, jobs run in this process right after each commit even when a queue is
    configured: for set-up commands that act on what their previous step issued (the demo)."""
    marker = _here.set(True)
    try:
        yield
    finally:
        _here.reset(marker)


@contextmanager
def held() -> Iterator[None]:
    """Inside the block, committed rows are not handed over: they wait in the outbox, pending,
    as when the queue cannot be reached, until the sweeper finds them stale or someone hands them
    over. For building a state whose side effects nobody waits for (the test factories: running
    their mails and documents was about a third of a service test's time)."""
    marker = _held.set(True)
    try:
        yield
    finally:
        _held.reset(marker)


def queue() -> Queue | None:
    redis = connection()
    return Queue(QUEUE_NAME, connection=redis, default_timeout=current_app.config["JOB_TIMEOUT_SECONDS"]) \
        if redis is not None else None


def hand_over(ids: list[int]) -> int:
    """Give these rows to the queue; returns how many were handed. Without a queue they run
    here and now (rows their jobs write join the same loop, so nothing recurses). When Redis
    cannot be reached the rows stay in the outbox for the sweeper: the decision has committed."""
    if not ids:
        return 0
    q = queue()
    if q is None:
        return _run_here(ids)
    try:  # one round trip for all of them (enqueue() makes two per job)
        q.enqueue_many([Queue.prepare_data(runner.run, (outbox_id,), result_ttl=0, failure_ttl=24 * 3600,
                                           job_id=f"outbox-{outbox_id}-{secrets.token_hex(4)}") for outbox_id in ids])
    except RedisError as exc:
        current_app.logger.warning("queue unreachable (%s): %d jobs stay in the outbox", exc, len(ids))
        return 0
    return len(ids)


def _run_here(ids: list[int]) -> int:
    pending = _draining.get()
    if pending is not None:  # a job's own transaction committed: its rows join the loop
        pending.extend(ids)
        return len(ids)
    pending = list(ids)
    marker = _draining.set(pending)
    try:
        while pending:
            runner.run(pending.pop(0))
    finally:
        _draining.reset(marker)
    return len(ids)


def after_commit() -> None:
    """The after-commit hook: the rows the committed transaction wrote go to the queue, in a
    request once its answer has been sent (without a queue they run here and now; inside
    ``held()`` they wait in the outbox)."""
    ids = outbox.take_new_ids()
    if _held.get():
        return
    waiting = g.get(_ANSWERED) if ids and has_request_context() and connection() is not None else None
    if waiting is not None:
        waiting.extend(ids)
    else:
        hand_over(ids)


def sweep() -> int:
    """Hand over rows whose job was lost (handed over longer than ``JOB_STALE_SECONDS`` ago and
    still pending) or whose back-off has passed; returns how many."""
    stale = timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    with transaction():
        ids = outbox.handover_due(stale)
        outbox.mark_handed(ids)
    return hand_over(ids)
