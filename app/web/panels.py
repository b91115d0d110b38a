"""Acceptance pages: the list (an expert sees only the panels they sit on), one acceptance
with its panel — the office forms it (size, seed; the seed and the excluded experts are
shown), each expert scores every criterion with a comment and signs with their password,
the chair concludes, the office seals. Every action goes through the generic action view."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.bounds import page_number
from app.models import Role
from app.services import browse, programme
from app.services.actions import actions_for
from app.web.projects import programme_context
from workflows.acceptance import AcceptanceState

bp = Blueprint("panels", __name__, url_prefix="/acceptances")
bp.context_processor(programme_context)


@bp.get("/")
@login_required
def index():
    """Experts: my panels. Everyone else: the acceptances they may see."""
    if current_user.has_role(Role.EXPERT) and not current_user.has_role(Role.OFFICE_REVIEWER):
        return render_template("panels/mine.html", panels=programme.my_panels(current_user))
    state = request.args.get("state") if request.args.get("state") in {s.value for s in AcceptanceState} else None
    return render_template("panels/index.html",
                           page=browse.list_acceptances(current_user, state=state, page=page_number(request.args)),
                           state=state, states=list(AcceptanceState))


@bp.get("/<int:id>")
@login_required
def acceptance(id: int):
    entity, steps = actions_for(current_user, "acceptance", id)
    return render_template("panels/acceptance.html", acc=entity, steps=steps,
                           view=programme.panel_view(current_user, id),
                           history=browse.timeline(current_user, "acceptance", id))
