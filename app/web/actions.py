"""The one generic action view: any workflow step on any kind of item, by whoever may take it.

GET  /act/<kind>/<id>/<trigger>  the step's form on its own page (opinion + the step's fields)
POST /act/<kind>/<id>/<trigger>  actions.perform(...) in one transaction, then back to ``next``

A destructive step (``Step.confirm``) is taken only with the form's confirmation box ticked
(``confirmed=yes``); without it the form comes back (422) asking for it and nothing is written —
so the confirmation holds without JavaScript too.

Buttons are rendered by ``templates/macros/actions.html`` from ``actions.actions_for`` only,
so nobody sees a button they may not press; the service still decides (403/409/422).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.bounds import ascii_int
from app.database import transaction
from app.errors import Conflict, Invalid
from app.i18n import short_locale
from app.kinds import flow_of
from app.schemas import file_parts, nested_fields
from app.services.commands import actions_for, perform, prepare_step
from app.services.engine.proxy import acting_as
from app.web.redirects import safe_target

bp = Blueprint("actions", __name__)

_NOT_DATA = {"csrf_token", "version", "next", "confirmed"}


def form_data(form) -> dict:
    """The form's fields as the services' plain data (see ``schemas.nested_fields``)."""
    return nested_fields((key, value) for key, value in form.items() if key not in _NOT_DATA)


def with_files(data: dict, files) -> dict:
    """The form's data plus the files chosen in it (``schemas.file_parts``: typed materials)."""
    parts = file_parts(files.items(multi=True))
    return {**data, "materials": parts} if parts else data


def safe_next(default: str | None = None) -> str:
    """``next`` only if it is a path on this site (no open redirects)."""
    return safe_target(request.values.get("next"), default or url_for("auth.home"))


def _unavailable(entity, trigger: str, actor) -> None:
    """Say why a step is not offered: the policy's reason (403) or the stage/guards (409)."""
    try:
        step = flow_of(entity).step_for(trigger)
    except KeyError:
        abort(404)
    acting, _proxy = acting_as(actor, step)  # a proxy outside their period: 403 with the dates
    policies.require(step.policy, acting, entity)
    raise Conflict(_("This action is not possible now."))


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
        if step is not None and step.confirm and request.form.get("confirmed") != "yes":
            return render_template("actions/form.html", kind=kind, entity=entity, step=step,
                                   errors={"confirmed": _("Tick the box to confirm this step.")},
                                   values=data, next=back), 422
        try:
            prepared = prepare_step(current_user, kind, id, trigger, data)  # e.g. a signature: before the transaction
            with transaction():
                perform(current_user, kind, id, trigger, with_files(data, request.files),
                        ascii_int(request.form.get("version")), prepared)
        except Invalid as exc:
            if step is None:  # e.g. an unknown trigger: the plain 422 page
                raise
            entity, _steps = actions_for(current_user, kind, id)
            return render_template("actions/form.html", kind=kind, entity=entity, step=step,
                                   errors=exc.errors, values=data, next=back), 422
        flash(_("Done: %(action)s", action=step.label(short_locale()) if step else trigger), "success")
        return redirect(back)
    return render_template("actions/form.html", kind=kind, entity=entity, step=step, errors={},
                           values={}, next=back)
