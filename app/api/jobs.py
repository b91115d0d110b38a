"""The job queue for administrators, as the /admin/jobs page: counts, failed jobs, retry."""
from __future__ import annotations

from marshmallow import Schema, fields

from app.api.auth import actor
from app.api.blueprint import api_blueprint, documented_errors
from app.api.schemas import UtcDateTime
from app.database import transaction
from app.jobs import periodic
from app.services.commands import jobs

bp = api_blueprint("jobs", "/jobs", "The job queue (administrators): documents, seals, notifications and mails "
                                    "made after each decision; failed jobs and their retry.")


class JobCountsSchema(Schema):
    queued = fields.Integer(metadata={"description": "Pending and due now."})
    scheduled = fields.Integer(metadata={"description": "Pending, waiting for a retry after a failure."})
    failed = fields.Integer(metadata={"description": "Failed after the last attempt; an admin may retry."})
    done = fields.Integer()


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    created_at = UtcDateTime()
    last_error = fields.String(metadata={"description": "The last attempt's error (a traceback)."})


class ScheduledRunSchema(Schema):
    name = fields.String()
    period = fields.String()
    started_at = UtcDateTime()


class JobOverviewSchema(Schema):
    counts = fields.Nested(JobCountsSchema)
    failed = fields.List(fields.Nested(JobSchema))
    scheduled = fields.List(fields.Nested(ScheduledRunSchema), metadata={
        "description": "Each scheduled job's latest run."})


@bp.route("")
@bp.response(200, JobOverviewSchema)
@documented_errors(bp, 401, 403)
def overview():
    """The job queue · 任务队列

    Counts, the failed jobs (newest first, at most 100) and the scheduled jobs' last runs. Admins only.
    """
    found = jobs.overview(actor(), periodic.last_runs())
    return {"counts": found.counts, "failed": found.failed, "scheduled": list(found.scheduled.values())}


@bp.route("/<id:job_id>/retry", methods=["POST"])
@bp.response(200, JobSchema)
@documented_errors(bp, 401, 403, 404)
def retry(job_id: int):
    """Retry a failed job · 重试任务

    Attempts start from zero and the job runs again at once. A job that has not failed is left as it is.
    """
    with transaction():
        row = jobs.retry_job(actor(), job_id)
        return {"id": row.id, "kind": row.kind, "status": row.status, "attempts": row.attempts,
                "created_at": row.created_at, "last_error": row.last_error}
