"""The job queue as the admin sees it: counts, the failed jobs with their errors, a retry."""
from __future__ import annotations

from dataclasses import dataclass

from app import policies
from app.models import OutboxMessage, OutboxStatus, ScheduledRun, User
from app.services.records import outbox


@dataclass(frozen=True)
class Overview:
    counts: outbox.Counts
    failed: list[OutboxMessage]
    scheduled: dict[str, ScheduledRun]


def overview(actor: User, last_runs: dict[str, ScheduledRun], limit: int = 100) -> Overview:
    """What the admin page shows (``last_runs`` comes from the scheduler, an adapter's part)."""
    policies.require("admin", actor)
    return Overview(outbox.counts(), outbox.listed(OutboxStatus.FAILED, limit), last_runs)


def retry_job(actor: User, outbox_id: int) -> OutboxMessage:
    """A failed job runs again (attempts from zero); the caller commits, then it is handed over."""
    policies.require("admin", actor)
    return outbox.retry(outbox_id)
