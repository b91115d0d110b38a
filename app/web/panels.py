"""Acceptance pages: the list (an expert sees only the panels they sit on), one acceptance
with its panel — the office forms it (size, seed; the seed and the excluded experts are
shown), each expert scores every criterion with a comment and signs with their password,
the chair concludes, the office seals. Every action goes through the generic action view."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app import policies
from app.bounds import page_number
from app.services.commands import actions_for
from app.services.reads import projects as reads
from app.services.reads.history import timeline
from app.web.levels import level_arg, level_choices
from app.web.projects import programme_context
from workflows.acceptance import AcceptanceState

bp = Blueprint("panels", __name__, url_prefix="/acceptances")
bp.context_processor(programme_context)


@bp.get("/")
@login_required
def index():
    """Experts: my panels (``own_panels``). The others ``acceptance_list`` admits: the acceptances they may see."""
    policies.require("acceptance_list", current_user)
    if policies.check("own_panels", current_user):
        return render_template("panels/mine.html", panels=reads.my_panels(current_user))
    state = request.args.get("state") if request.args.get("state") in {s.value for s in AcceptanceState} else None
    level = level_arg()
    return render_template("panels/index.html",
                           page=reads.list_acceptances(current_user, state=state, page=page_number(request.args),
                                                       level=level),
                           state=state, states=list(AcceptanceState), level=level, levels=level_choices())


@bp.get("/<int:id>")
@login_required
def acceptance(id: int):
    view = reads.acceptance_detail(current_user, id)
    steps = actions_for(current_user, "acceptance", id)[1]
    return render_template("panels/acceptance.html", acc=view.entity, steps=steps, view=view,
                           history=timeline(current_user, "acceptance", id))
