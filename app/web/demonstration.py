"""Demonstration projects: the shortlist of accepted, well-evaluated projects and proposing
them (拟推荐, the generic "propose" and "withdraw" actions, within the places left), the domains
they cover, publishing the candidates for a public notice (公示), a list's page with its
objections (异议) and the leader's confirmation, an objection's page with the Office's answer,
and the public page anyone may read and object on without signing in (/public/demonstration)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.database import transaction
from app.errors import Conflict, Invalid
from app.models import Domain
from app.services.commands import actions_for, actions_on, demonstration
from app.services.reads import history
from app.services.reads import projects as reads
from app.web.projects import programme_context
from workflows.demonstration import DemonstrationListState, ObjectionState

bp = Blueprint("demonstration", __name__, url_prefix="/demonstration")
bp.context_processor(programme_context)
public_bp = Blueprint("public", __name__, url_prefix="/public")
public_bp.context_processor(programme_context)

OBJECTION_FIELDS = ("project_id", "name", "contact", "text")


@bp.get("/")
@login_required
def index():
    found = demonstration.shortlist()
    board = reads.demonstration_board(current_user, found)  # the office and leaders only
    steps = actions_on(current_user, "project", [p for p, _ in found] + board.selected)
    shortlist = [(p, ev, steps[p.id]) for p, ev in found]
    selected = [(p, steps[p.id]) for p in board.selected]
    return render_template("demonstration/index.html", board=board, shortlist=shortlist, selected=selected,
                           domains=list(Domain), under_notice=demonstration.list_under_notice())


@bp.post("/publish")
@login_required
def publish():
    data = {k: request.form.get(k, "").strip() for k in ("opinion", "notice_days")}
    with transaction():
        publication = demonstration.publish_demonstrations(current_user, {k: v for k, v in data.items() if v})
    flash(_("The candidates are published for public notice until %(day)s.",
            day=publication.notice_ends_on.isoformat()), "success")
    return redirect(url_for("demonstration.notice", id=publication.id))


@bp.get("/lists/<int:id>")
@login_required
def notice(id: int):
    """A published list for the Office and the leaders: its projects, objections and answers."""
    publication = reads.demonstration_list_detail(current_user, id)
    steps = actions_for(current_user, "demonstration_list", id)[1]
    rows = reads.public_rows(publication)
    return render_template("demonstration/notice.html", publication=publication, rows=rows, steps=steps,
                           coverage=reads.domain_coverage(rows),
                           history=history.timeline(current_user, "demonstration_list", id))


@bp.get("/objections/<int:id>")
@login_required
def objection(id: int):
    found = reads.objection_detail(current_user, id)
    steps = actions_for(current_user, "demonstration_objection", id)[1]
    return render_template("demonstration/objection.html", objection=found, steps=steps,
                           history=history.timeline(current_user, "demonstration_objection", id))


def _public_page(errors=None, values=None, status=200):
    publication, rows = reads.public_list()
    counts = reads.objection_counts(publication) if publication else {}
    open_for_objections = publication is not None and publication.state == DemonstrationListState.NOTICE
    return render_template("demonstration/public.html", publication=publication, rows=rows,
                           coverage=reads.domain_coverage(rows), objections=sum(counts.values()),
                           answered=counts.get(ObjectionState.ANSWERED, 0), errors=errors or {},
                           values=values or {}, open_for_objections=open_for_objections), status


@bp.get("/published")
@login_required
def published():
    """The signed-in users' link to the public page's content."""
    return _public_page()


@public_bp.route("/demonstration", methods=["GET", "POST"])
def demonstration_notice():
    """示范项目公示: anybody, signed in or not, reads the list and may object during the notice."""
    if request.method == "GET":
        return _public_page()
    values = {k: request.form.get(k, "").strip() for k in OBJECTION_FIELDS}
    try:
        with transaction():
            demonstration.file_objection({k: v for k, v in values.items() if v or k in ("contact", "text")})
    except Invalid as exc:
        return _public_page(exc.errors, values, 422)
    except Conflict as exc:
        return _public_page({"_": str(exc)}, values, 409)
    flash(_("Your objection has been recorded. The Information Office will answer you at the contact you gave."),
          "success")
    return redirect(url_for("public.demonstration_notice"))
