"""Performance evaluation pages: the office opens a period's evaluations; the agency writes
its self-evaluation, the office scores, a leader confirms the grade (generic actions)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import clock, policies
from app.bounds import page_number
from app.database import transaction
from app.services.commands import actions_for, evaluation
from app.services.reads import projects as reads
from app.services.reads.history import timeline
from app.web import bulk
from app.web.levels import level_arg, level_choices
from app.web.projects import programme_context
from workflows.evaluation import WEIGHTS, EvaluationState

bp = Blueprint("evaluation", __name__, url_prefix="/evaluations")
bp.context_processor(programme_context)


@bp.get("/")
@login_required
def index():
    policies.require("evaluation_list", current_user)
    state = request.args.get("state") if request.args.get("state") in {s.value for s in EvaluationState} else None
    period = request.args.get("period", "").strip() or None
    level = level_arg()
    page = reads.list_evaluations(current_user, period=period, state=state, page=page_number(request.args),
                                  level=level)
    return render_template("evaluation/index.html", page=page, state=state, period=period,
                           states=list(EvaluationState), next_period=str(clock.today().year + 1),
                           level=level, levels=level_choices())


@bp.post("/open")
@login_required
def open_period():
    """Opening a period's evaluations is confirmed first, on a page saying how many projects it touches."""
    period = request.form.get("period", "").strip()
    ask = bulk.ask_first(
        lambda: evaluation.evaluations_to_open(current_user, period), title=_("Open evaluations"),
        question=lambda n: ngettext("This opens the %(period)s evaluation for %(num)d project. Continue?",
                                    "This opens the %(period)s evaluation for %(num)d projects. Continue?",
                                    n, period=period),
        nothing=_("No accepted project is waiting for a %(period)s evaluation.", period=period),
        action=url_for("evaluation.open_period"), fields={"period": period}, back=url_for("evaluation.index"))
    if ask is not None:
        return ask
    with transaction():
        count = len(evaluation.open_evaluations(current_user, period))
    flash(_("Opened %(n)d evaluations for the period %(period)s.", n=count, period=period), "success")
    return redirect(url_for("evaluation.index", period=period))


@bp.get("/<int:id>")
@login_required
def detail(id: int):
    ev = reads.evaluation_detail(current_user, id)
    steps = actions_for(current_user, "evaluation", id)[1]
    return render_template("evaluation/detail.html", ev=ev, steps=steps,
                           agency=reads.agency_history(current_user, "evaluation", id),
                           weights=WEIGHTS, history=timeline(current_user, "evaluation", id))
