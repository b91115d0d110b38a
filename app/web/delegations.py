"""Delegation (代理): a leader's delegations (designate a proxy, revoke), what proxies entered on
their behalf; a proxy's delegations held; an admin's all. Each form calls one
app.services.commands.delegations verb."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.bounds import page_number
from app.database import transaction
from app.errors import Invalid
from app.models import Role
from app.services.commands import delegations

bp = Blueprint("delegations", __name__, url_prefix="/delegations")


def _page(status: int = 200, errors: dict | None = None, values: dict | None = None):
    policies.require("delegations_reader", current_user)
    leader = current_user.has_role(Role.LEADER)
    return render_template(
        "delegations/index.html", rows=delegations.delegations_for(current_user), leader=leader,
        candidates=[(u.username, f"{u.display_name} · {u.organisation.name}") for u in delegations.proxy_candidates()]
        if leader else [],
        entered=delegations.entered_on_behalf(current_user, page_number(request.args)) if leader else None,
        errors=errors or {}, values=values or {}), status


@bp.get("/")
@login_required
def index():
    return _page()


@bp.post("/")
@login_required
def designate():
    values = {k: request.form.get(k, "").strip()[:64] for k in ("proxy", "starts_on", "ends_on")}
    try:
        with transaction():
            delegations.designate(current_user, values)
    except Invalid as exc:
        return _page(422, exc.errors, values)
    flash(_("The proxy is designated."), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:id>/revoke")
@login_required
def revoke(id: int):
    with transaction():
        delegations.revoke(current_user, id)
    flash(_("The delegation is revoked."), "success")
    return redirect(url_for(".index"))
