"""The reviewers' desks: batch endorsement with ranking (汇总上报) for IT offices, and the
leader's quota board per batch with the off-plan applications awaiting a plan-gate override."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.bounds import bounded_int
from app.database import transaction
from app.errors import Denied, Invalid
from app.models import PilotCategory, Role
from app.services import escalation, worklists

bp = Blueprint("review", __name__)


def _picked_items(form) -> list[dict]:
    """The ticked applications with their ranking, the shared opinion and the version seen."""
    opinion = form.get("opinion", "")
    picked = [i for i in form.getlist("pick") if bounded_int(i)]
    return [{"id": bounded_int(i), "ranking": form.get(f"ranking-{i}") or None, "opinion": opinion,
             "version": bounded_int(form.get(f"version-{i}"))} for i in picked]


@bp.route("/endorsements", methods=["GET", "POST"])
@login_required
def endorsements():
    if not current_user.has_role(Role.ENDORSER):  # the policy words why
        raise Denied(policies.check("endorser_of_current_level", current_user, None).reason)
    errors: dict = {}
    if request.method == "POST":
        items = _picked_items(request.form)
        try:
            if not items:
                raise Invalid({"pick": _("Tick at least one application.")})
            with transaction():
                escalation.endorse_many(current_user, items)
        except Invalid as exc:
            errors = exc.errors
        else:
            flash(_("%(n)d applications endorsed and forwarded.", n=len(items)), "success")
            return redirect(url_for(".endorsements"))
    queue = worklists.endorsement_queue(current_user)
    return render_template("review/endorsements.html", queue=queue, errors=errors,
                           form=request.form if errors else None), (422 if errors else 200)


@bp.get("/quota")
@login_required
def quota():
    return render_template("review/quota.html", boards=worklists.quota_boards(current_user),
                           off_plan=worklists.awaiting_plan_override(current_user), categories=PilotCategory)
