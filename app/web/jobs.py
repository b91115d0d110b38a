"""The job queue for administrators (/admin/jobs): counts, the failed jobs with their errors, a
retry button per failed job, and each scheduled job's last run."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.database import transaction
from app.jobs import periodic
from app.services.commands import jobs

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@bp.get("/")
@login_required
def index():
    overview = jobs.overview(current_user, periodic.last_runs())
    return render_template("admin/jobs.html", overview=overview, periodic=periodic.PERIODIC)


@bp.post("/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    with transaction():
        jobs.retry_job(current_user, job_id)
    flash(_("Job %(id)d will run again.", id=job_id), "success")
    return redirect(url_for("jobs.index"))
