"""`flask worker` (a job worker on the RQ queue) and `flask jobs …` (status, failed jobs, retry,
sweep, the scheduled jobs' tick)."""
from __future__ import annotations

import threading
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup
from rq import SimpleWorker
from rq.registry import StartedJobRegistry

from app import clock
from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.jobs import periodic, queue
from app.models import OutboxStatus, Role
from app.services.commands import jobs
from app.services.records import outbox

jobs_cli = AppGroup("jobs", help="The job queue: status, failed jobs, retries, scheduled jobs.")


def _redis_or_exit():
    redis = queue.connection()
    if redis is None:
        raise click.ClickException("REDIS_URL is not set: without a queue, jobs run in the web process after "
                                   "each commit and no worker is needed")
    return redis


def _preload() -> None:
    """Load WeasyPrint and pyHanko and lay out one page now, so no job pays for it."""
    from app.documents import fields, render  # noqa: F401  (late: every other command stays light)

    render.render_html('<html lang="zh-CN"><body><p style="font-family: \'Noto Serif CJK SC\'">试点通</p></body></html>')


def _housekeeping(app, stop: threading.Event) -> None:
    """Every SWEEP_SECONDS: hand lost or backed-off jobs over again, start due scheduled jobs."""
    while not stop.wait(app.config["SWEEP_SECONDS"]):
        with app.app_context():
            try:
                queue.sweep()
                periodic.tick()
            except Exception:  # a database or Redis hiccup: try again next round
                app.logger.exception("job housekeeping failed; retrying")


def worker_command():
    @click.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off catch-up).")
    @click.option("--name", default=None, help="The worker's name (default: host and pid).")
    def worker(burst: bool, name: str | None) -> None:
        """Run a job worker: renders and seals documents, sends mail, runs scheduled jobs."""
        redis = _redis_or_exit()
        _preload()
        app = current_app._get_current_object()
        stop = threading.Event()
        keeper = threading.Thread(target=_housekeeping, args=(app, stop), name="housekeeping", daemon=True)
        keeper.start()
        try:
            SimpleWorker([queue.queue()], connection=redis, name=name).work(burst=burst, logging_level="WARNING")
        finally:
            stop.set()
    return worker


@jobs_cli.command("status")
def jobs_status() -> None:
    """Queued, running, failed and scheduled counts, and each scheduled job's last run."""
    counts = outbox.counts()
    running = 0
    redis = queue.connection()
    if redis is not None:
        q = queue.queue()
        running = StartedJobRegistry(queue=q).count
        click.echo(f"queue:     {q.name} at {current_app.config['REDIS_URL']} ({len(q)} in Redis)")
    else:
        click.echo("queue:     none (REDIS_URL unset): jobs run in-process after each commit")
    click.echo(f"queued:    {counts.queued}")
    click.echo(f"running:   {running}")
    click.echo(f"failed:    {counts.failed}")
    click.echo(f"scheduled: {counts.scheduled}  (waiting for a retry)")
    click.echo(f"done:      {counts.done}")
    runs = periodic.last_runs()
    for name, job in periodic.PERIODIC.items():
        run = runs.get(name)
        last = f"{run.period} (started {clock.beijing(run.started_at)} Beijing time)" if run else "never"
        click.echo(f"  {name}: last run {last}")


SECONDS = "%Y-%m-%d %H:%M:%S"


def _payload(payload: dict) -> str:
    """A job's data as a person reads it: name=value pairs, moments in Beijing time (a stored
    ISO time with its zone) and an hourly period ("2026-06-01T10", already Beijing's) spaced."""
    def shown(value):
        if not isinstance(value, str) or len(value) < 13 or "T" not in value:
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return clock.beijing(moment, SECONDS) if moment.tzinfo else value.replace("T", " ") + "h"
    return " ".join(f"{key}={shown(value)}" for key, value in (payload or {}).items())


@jobs_cli.command("list")
@click.option("--status", type=click.Choice([OutboxStatus.FAILED, OutboxStatus.PENDING, OutboxStatus.DONE]),
              default=OutboxStatus.FAILED, show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def jobs_list(status: str, limit: int) -> None:
    """The jobs of one status, newest first, with their last error."""
    rows = outbox.listed(status, limit)
    for row in rows:
        error = row.last_error.strip().splitlines()[-1] if row.last_error.strip() else ""
        click.echo(f"{row.id}\t{row.kind}\t{row.status}\t{clock.beijing(row.created_at, SECONDS)}\t"
                   f"attempts={row.attempts}\t{_payload(row.payload)}\t{error}")
    if not rows:
        click.echo(f"no {status} jobs")


@jobs_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Retry every failed job.")
@click.option("--as", "username", default=None, help="The admin who retries (default: the first admin).")
def jobs_retry(ids: tuple[int, ...], all_failed: bool, username: str | None) -> None:
    """Run failed jobs IDS again (attempts from zero)."""
    if not ids and not all_failed:
        raise click.UsageError("name the jobs to retry, or --all-failed")
    admin = acting_user(username, Role.ADMIN)
    wanted = list(ids) or [row.id for row in outbox.listed(OutboxStatus.FAILED, 1000)]
    try:
        with transaction():
            for outbox_id in wanted:
                jobs.retry_job(admin, outbox_id)
    except DomainError as exc:
        fail(exc)
    click.echo(f"retrying {len(wanted)} jobs")


@jobs_cli.command("sweep")
def jobs_sweep() -> None:
    """Hand over now the jobs that were lost (a worker died, Redis was down) or whose back-off passed."""
    click.echo(f"handed over {queue.sweep()} jobs")


@jobs_cli.command("tick")
@click.option("--now", "moment", default=None, help="Act as if it were this moment (ISO, Beijing time if naive).")
def jobs_tick(moment: str | None) -> None:
    """Start the scheduled jobs whose period has begun (workers do this by themselves)."""
    if moment:
        try:
            clock.set_now(datetime.fromisoformat(moment))
        except ValueError:
            raise click.BadParameter(f"{moment!r} is not an ISO date and time", param_hint="--now") from None
    started = periodic.tick()
    click.echo("\n".join(f"started {s}" for s in started) or "nothing due")
