"""The one generic action view: any workflow step on any kind of item, by whoever may take it.

GET  /act/<kind>/<id>/<trigger>  the step's form on its own page (opinion + the step's fields)
POST /act/<kind>/<id>/<trigger>  actions.perform(...) in one transaction, then back to ``next``

Buttons are rendered by ``templates/macros/actions.html`` from ``actions.actions_for`` only,
so nobody sees a button they may not press; the service still decides (403/409/422).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import policies
from app.database import transaction
from app.errors import Conflict, Denied, Invalid
from app.services.actions import actions_for, perform
from app.services.transitions import kind_of
from app.web.redirects import safe_target

bp = Blueprint("actions", __name__)

# How each extra field of a step (Step.fields) is asked for. ``type`` is an <input> type,
# "textarea", "select" (with ``options``: value → label) or "scores" (the acceptance criteria).
FIELD_SPECS: dict[str, dict] = {
    "ranking": {"label": _l("Ranking among this office's recommendations"), "type": "number", "min": 1,
                "max": 999, "help": _l("1 is the strongest recommendation.")},
    "recommendation": {"label": _l("Recommendation"), "type": "select", "options": {
        "approve": _l("Approve"), "return": _l("Return for revision"), "reject": _l("Reject")}},
    "approved_budget": {"label": _l("Approved budget (10k yuan)"), "type": "number", "min": 0, "step": "0.01"},
    "construction_months": {"label": _l("Construction period (months)"), "type": "number", "min": 1, "max": 60},
    "starts_on": {"label": _l("Construction starts on"), "type": "date"},
    "report": {"label": _l("Report"), "type": "textarea"},
    "summary": {"label": _l("Completion summary"), "type": "textarea"},
    "deadline": {"label": _l("Rectification deadline"), "type": "date"},
    "results_score": {"label": _l("Results score (0–100)"), "type": "number", "min": 0, "max": 100, "step": "0.01"},
    "operation_score": {"label": _l("Operation and maintenance score (0–100)"), "type": "number", "min": 0,
                        "max": 100, "step": "0.01"},
    "promotion_score": {"label": _l("Follow-on promotion score (0–100)"), "type": "number", "min": 0,
                        "max": 100, "step": "0.01"},
    "size": {"label": _l("Panel size (odd, at least 3)"), "type": "number", "min": 3, "max": 15, "step": 2},
    "seed": {"label": _l("Random seed (optional)"), "type": "number", "min": 0},
    "scores": {"label": _l("Scores"), "type": "scores"},
    "password": {"label": _l("Your sign-in password"), "type": "password",
                 "help": _l("It unlocks your own signing key; it is never stored.")},
}
_NOT_DATA = {"csrf_token", "version", "next"}


def field_spec(name: str) -> dict:
    return FIELD_SPECS.get(name, {"label": name, "type": "text"})


def form_data(form) -> dict:
    """Form fields as the services' plain data: empty fields left out, dotted names nested
    (``scores.quality.score`` → ``{"scores": {"quality": {"score": …}}}``)."""
    data: dict = {}
    for key, value in form.items():
        if key in _NOT_DATA or value.strip() == "":
            continue
        *parents, leaf = key.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return data


def safe_next(default: str | None = None) -> str:
    """``next`` only if it is a path on this site (no open redirects)."""
    return safe_target(request.values.get("next"), default or url_for("auth.home"))


def _unavailable(entity, trigger: str, actor) -> None:
    """Say why a step is not offered: the policy's reason (403) or the stage/guards (409)."""
    kind = kind_of(entity)
    try:
        step = kind.flow.step_for(trigger)
    except KeyError:
        abort(404)
    decision = policies.check(step.policy, actor, entity)
    if not decision:
        raise Denied(decision.reason)
    raise Conflict(_("This action is not possible now."))


def _version(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.route("/act/<kind>/<int:id>/<trigger>", methods=["GET", "POST"])
@login_required
def act(kind: str, id: int, trigger: str):
    entity, steps = actions_for(current_user, kind, id)
    step = next((s for s in steps if s.trigger == trigger), None)
    if step is None and request.method == "GET":
        _unavailable(entity, trigger, current_user)
    back = safe_next()
    if request.method == "POST":
        data = form_data(request.form)
        try:
            with transaction():
                perform(current_user, kind, id, trigger, data, _version(request.form.get("version")))
        except Invalid as exc:
            if step is None:  # e.g. an unknown trigger: the plain 422 page
                raise
            entity, _steps = actions_for(current_user, kind, id)
            return render_template("actions/form.html", kind=kind, entity=entity, step=step,
                                   errors=exc.errors, values=data, next=back), 422
        flash(_("Done: %(action)s", action=step.label(_locale()) if step else trigger), "success")
        return redirect(back)
    return render_template("actions/form.html", kind=kind, entity=entity, step=step, errors={},
                           values={}, next=back)


def _locale() -> str:
    from app.i18n import short_locale

    return short_locale()
