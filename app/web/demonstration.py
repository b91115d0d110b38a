"""Demonstration projects: the shortlist of accepted, well-evaluated projects, selecting
them (the generic "select as demonstration" action, within the configured bounds),
publishing the list, and the published list every signed-in user may read."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.database import transaction
from app.services.commands import actions_on, demonstration
from app.services.reads import projects as reads
from app.web.projects import programme_context

bp = Blueprint("demonstration", __name__, url_prefix="/demonstration")
bp.context_processor(programme_context)


@bp.get("/")
@login_required
def index():
    board = reads.demonstration_board(current_user)  # the office and leaders only
    found = demonstration.shortlist()
    steps = actions_on(current_user, "project", [p for p, _ in found])
    shortlist = [(p, ev, steps[p.id]) for p, ev in found]
    return render_template("demonstration/index.html", board=board, shortlist=shortlist)


@bp.post("/publish")
@login_required
def publish():
    with transaction():
        demonstration.publish_demonstrations(current_user, {"opinion": request.form.get("opinion", "")})
    flash(_("The list of demonstration projects has been published."), "success")
    return redirect(url_for("demonstration.published"))


@bp.get("/published")
@login_required
def published():
    publication, projects = reads.published_list()
    return render_template("demonstration/published.html", publication=publication, projects=projects)
