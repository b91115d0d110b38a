"""Administration pages: users (roles, activation), organisations, batches with their quota,
the plan catalogue and the expert pool. Each form calls one app.services.commands.admin verb; field
errors re-render the form next to the fields (422)."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.bounds import page_number
from app.database import transaction
from app.errors import Invalid
from app.models import Batch, Expert, Organisation, PlanItem, Role, User
from app.models.vocabulary import Domain, OrgKind, PilotCategory
from app.services.commands import admin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.context_processor
def _vocabulary() -> dict:
    return {"all_roles": list(Role), "org_kinds": list(OrgKind), "categories": list(PilotCategory),
            "domains": list(Domain)}


def _form(*names: str, lists: tuple[str, ...] = (), flags: tuple[str, ...] = ()) -> dict:
    data = {n: request.form.get(n, "").strip() for n in names}
    data.update({n: request.form.getlist(n) for n in lists})
    data.update({n: n in request.form for n in flags})
    return data


def _save(verb: Callable, args: tuple, data: dict, done: str, then: str, template: str, **context):
    """POST: run the verb in one transaction and redirect; on field errors re-render (422)."""
    try:
        with transaction():
            verb(current_user, *args, data)
    except Invalid as exc:
        return render_template(template, errors=exc.errors, values=data, **context), 422
    flash(done, "success")
    return redirect(then)


def _page_no() -> int:
    return page_number(request.args)


@bp.get("/")
@login_required
def index():
    admin.require_admin(current_user)
    return redirect(url_for("admin.users"))


# --- users -------------------------------------------------------------------------------------
USER_FIELDS = ("display_name", "organisation_code", "email", "specialties", "title")


@bp.get("/users")
@login_required
def users():
    q = request.args.get("q", "")
    return render_template("admin/users.html", page=admin.list_users(current_user, q, _page_no()), q=q)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    if request.method == "POST":
        return _save(admin.create_user, (), _form("username", "password", *USER_FIELDS, lists=("roles",)),
                     _("The user has been created."), url_for("admin.users"), "admin/user_form.html", user=None)
    admin.require_admin(current_user)
    return render_template("admin/user_form.html", user=None, errors={}, values={"roles": []})


@bp.route("/users/<int:id>", methods=["GET", "POST"])
@login_required
def edit_user(id: int):
    user = admin.load_for_edit(current_user, User, id)
    if request.method == "POST":
        return _save(admin.update_user, (id,), _form(*USER_FIELDS, lists=("roles",)), _("The user has been saved."),
                     url_for("admin.users"), "admin/user_form.html", user=user)
    values = {"display_name": user.display_name, "organisation_code": user.organisation.code,
              "email": user.email or "", "roles": [r.value for r in user.roles]}
    return render_template("admin/user_form.html", user=user, errors={}, values=values)


@bp.post("/users/<int:id>/active")
@login_required
def set_active(id: int):
    active = request.form.get("active") == "1"
    with transaction():
        admin.set_user_active(current_user, id, {"active": active})
    flash(_("The account has been activated.") if active else _("The account has been deactivated."), "success")
    return redirect(url_for("admin.users", q=request.form.get("q", "")))


# --- organisations -----------------------------------------------------------------------------
@bp.route("/organisations", methods=["GET", "POST"])
@login_required
def organisations():
    q, kind = request.args.get("q", ""), request.args.get("kind", "")
    page = admin.list_organisations(current_user, q, kind, _page_no())
    if request.method == "POST":
        return _save(admin.create_organisation, (), _form("code", "name", "short_name", "kind", "division_code"),
                     _("The organisation has been created."), url_for("admin.organisations"),
                     "admin/organisations.html", page=page, q=q, kind=kind)
    return render_template("admin/organisations.html", page=page, q=q, kind=kind, errors={}, values={})


@bp.route("/organisations/<int:id>", methods=["GET", "POST"])
@login_required
def edit_organisation(id: int):
    org = admin.load_for_edit(current_user, Organisation, id)
    if request.method == "POST":
        return _save(admin.update_organisation, (id,), _form("name", "short_name"), _("The organisation has been saved."),
                     url_for("admin.organisations", q=org.code), "admin/organisation_form.html", org=org)
    return render_template("admin/organisation_form.html", org=org, errors={},
                           values={"name": org.name, "short_name": org.short_name or ""})


# --- batches -----------------------------------------------------------------------------------
BATCH_FIELDS = ("name", "year", "opens_on", "closes_on", "quota")


@bp.route("/batches", methods=["GET", "POST"])
@login_required
def batches():
    rows = admin.list_batches(current_user)
    if request.method == "POST":
        return _save(admin.create_batch, (), _form(*BATCH_FIELDS), _("The batch has been created."),
                     url_for("admin.batches"), "admin/batches.html", rows=rows)
    return render_template("admin/batches.html", rows=rows, errors={}, values={})


@bp.route("/batches/<int:id>", methods=["GET", "POST"])
@login_required
def edit_batch(id: int):
    batch = admin.load_for_edit(current_user, Batch, id)
    if request.method == "POST":
        return _save(admin.update_batch, (id,), _form(*BATCH_FIELDS), _("The batch has been saved."),
                     url_for("admin.batches"), "admin/batch_form.html", batch=batch)
    values = {k: getattr(batch, k) for k in BATCH_FIELDS}
    return render_template("admin/batch_form.html", batch=batch, errors={}, values=values)


# --- plan catalogue ----------------------------------------------------------------------------
PLAN_FIELDS = ("code", "name", "category", "domain", "description")


@bp.route("/plan", methods=["GET", "POST"])
@login_required
def plan():
    items = admin.list_plan_items(current_user)
    if request.method == "POST":
        return _save(admin.create_plan_item, (), _form(*PLAN_FIELDS, flags=("active",)),
                     _("The plan item has been created."), url_for("admin.plan"), "admin/plan.html", items=items)
    return render_template("admin/plan.html", items=items, errors={}, values={"active": True})


@bp.route("/plan/<int:id>", methods=["GET", "POST"])
@login_required
def edit_plan_item(id: int):
    item = admin.load_for_edit(current_user, PlanItem, id)
    if request.method == "POST":
        return _save(admin.update_plan_item, (id,), _form(*PLAN_FIELDS, flags=("active",)),
                     _("The plan item has been saved."), url_for("admin.plan"), "admin/plan_item_form.html", item=item)
    values = {k: getattr(item, k) for k in (*PLAN_FIELDS, "active")}
    values.update(category=item.category.value, domain=item.domain.value)
    return render_template("admin/plan_item_form.html", item=item, errors={}, values=values)


# --- expert pool -------------------------------------------------------------------------------
@bp.get("/experts")
@login_required
def experts():
    return render_template("admin/experts.html", experts=admin.list_experts(current_user))


@bp.route("/experts/<int:id>", methods=["GET", "POST"])
@login_required
def edit_expert(id: int):
    expert = admin.load_for_edit(current_user, Expert, id)
    if request.method == "POST":
        return _save(admin.update_expert, (id,), _form("specialties", "title", lists=("domains",), flags=("active",)),
                     _("The expert has been saved."), url_for("admin.experts"), "admin/expert_form.html", expert=expert)
    values = {"specialties": expert.specialties, "title": expert.title, "active": expert.active,
              "domains": [d.value for d in expert.domains]}
    return render_template("admin/expert_form.html", expert=expert, errors={}, values=values)
