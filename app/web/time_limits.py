"""The stages' time limits (admin): every waiting stage with its default, the Office's override
and the effective limit; a form per stage to set or clear the override. Each form calls one
app.services.time.step_limits verb."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.database import transaction
from app.errors import Invalid
from app.services.time import step_limits

bp = Blueprint("time_limits", __name__, url_prefix="/admin/time-limits")


def _page(status: int = 200, errors: dict | None = None, failed: tuple[str, str] | None = None, value: str = ""):
    return render_template("admin/time_limits.html", stages=step_limits.stage_limits(current_user),
                           errors=errors or {}, failed=failed, value=value), status


@bp.get("/")
@login_required
def index():
    return _page()


@bp.post("/<kind>/<state>")
@login_required
def set_limit(kind: str, state: str):
    value = request.form.get("days", "").strip()[:16]
    try:
        with transaction():
            step_limits.set_limit(current_user, kind, state, {"days": value})
    except Invalid as exc:
        return _page(422, exc.errors, (kind, state), value)
    flash(_("The time limit is saved."), "success")
    return redirect(url_for(".index"))


@bp.post("/<kind>/<state>/clear")
@login_required
def clear_limit(kind: str, state: str):
    with transaction():
        step_limits.clear_limit(current_user, kind, state)
    flash(_("The stage's default time limit applies again."), "success")
    return redirect(url_for(".index"))
