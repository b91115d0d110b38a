"""Workflow versions (admin): each flow's versions with how many cases follow each, and the form
that moves one case to its flow's current version (app.services.engine.versions.migrate_case)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.bounds import bounded_int
from app.database import transaction
from app.errors import Invalid
from app.kinds import MODEL_OF
from app.labels import kind_label
from app.services.engine import versions

bp = Blueprint("workflow_versions", __name__, url_prefix="/admin/workflow-versions")


def _page(status: int = 200, errors: dict | None = None, values: dict | None = None):
    return render_template("admin/workflow_versions.html", rows=versions.versions_overview(current_user),
                           kind_options=[(k, kind_label(k)) for k in MODEL_OF], errors=errors or {}, values=values or {}), status


@bp.get("/")
@login_required
def index():
    return _page()


@bp.post("/migrate")
@login_required
def migrate():
    values = {"kind": request.form.get("kind", "")[:32], "id": request.form.get("id", "").strip()[:16],
              "opinion": request.form.get("opinion", "")[:2000]}
    entity_id = bounded_int(values["id"], 1)
    errors = {}
    if values["kind"] not in MODEL_OF:
        errors["kind"] = _("Choose a kind of item.")
    if entity_id is None:
        errors["id"] = _("Give the number of an existing item.")
    if errors:
        versions.versions_overview(current_user)  # an admin's page: anyone else is refused first
        return _page(422, errors, values)
    try:
        with transaction():
            entity = versions.migrate_case(current_user, values["kind"], entity_id, {"opinion": values["opinion"]})
            version = entity.flow_version
    except Invalid as exc:
        return _page(422, exc.errors, values)
    flash(_("The case now follows version %(version)d of its flow.", version=version), "success")
    return redirect(url_for(".index"))
