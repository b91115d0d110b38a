"""Administration (系统管理): user accounts and their roles, organisations, batches, the plan
catalogue and the expert pool — what the admin pages write, through the same
app.services.commands.admin verbs and their input schemas."""
from __future__ import annotations

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors, json_request_body
from app.api.schemas import (
    AdminUserListArgs,
    AdminUserSchema,
    BatchSchema,
    ExpertSchema,
    OrganisationSchema,
    PlanItemSchema,
    page_of,
)
from app.database import transaction
from app.services.commands import admin

bp = api_blueprint("admin", "/admin", "Administration (系统管理): accounts and roles, organisations, filing "
                                      "batches, the plan catalogue (《规划》) and the expert pool (专家库). "
                                      "Administrators only: anyone else gets 403 with the reason.")


# --- users ---------------------------------------------------------------------------------------
@bp.route("/users")
@bp.arguments(AdminUserListArgs, location="query")
@bp.response(200, page_of(AdminUserSchema))
@documented_errors(bp, 401, 403, 422)
def list_users(args):
    """List user accounts · 用户

    Ordered by id; `q` matches the username or the name.
    """
    return admin.list_users(actor(), args["q"], args["page"], args["per_page"])


@bp.route("/users", methods=["POST"])
@bp.doc(**json_request_body(admin.NewUserSchema))
@bp.response(201, AdminUserSchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def create_user():
    """Create a user account · 新建用户

    With a first password (at least 8 characters), an organisation (by code), roles and an
    optional e-mail address; the expert role also puts the user in the expert pool.
    """
    data = json_body()
    with transaction():
        return admin.create_user(actor(), data)


@bp.route("/users/<id:user_id>", methods=["PUT"])
@bp.doc(**json_request_body(admin.UserAccountSchema))
@bp.response(200, AdminUserSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def update_user(user_id: int):
    """Change a user's name, organisation, roles and e-mail · 修改用户

    The whole account (PUT); `email` left out is kept, blank or null clears it, an invalid
    address is a 422 with nothing written. Granting `expert` puts the user in the expert pool; taking it away
    stops them being drawn. Administrators cannot take the administrator role from themselves (409).
    """
    data = json_body()
    with transaction():
        return admin.update_user(actor(), user_id, data)


@bp.route("/users/<id:user_id>/active", methods=["POST"])
@bp.doc(**json_request_body(admin.UserActivationSchema))
@bp.response(200, AdminUserSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def set_user_active(user_id: int):
    """Activate or deactivate an account · 启用/停用账号

    Deactivating ends the user's sessions and refuses their API tokens at once; an
    administrator cannot deactivate their own account (409).
    """
    with transaction():
        return admin.set_user_active(actor(), user_id, json_body())


# --- organisations -------------------------------------------------------------------------------
@bp.route("/organisations", methods=["POST"])
@bp.doc(**json_request_body(admin.NewOrganisationSchema))
@bp.response(201, OrganisationSchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def create_organisation():
    """Create an organisation · 新建单位

    A unique code, its kind and its administrative division (which decides endorsement routes
    and who sees what).
    """
    data = json_body()
    with transaction():
        return admin.create_organisation(actor(), data)


@bp.route("/organisations/<id:organisation_id>", methods=["PUT"])
@bp.doc(**json_request_body(admin.OrganisationNameSchema))
@bp.response(200, OrganisationSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def update_organisation(organisation_id: int):
    """Rename an organisation · 修改单位名称

    Only the name and short name change: code, kind and division stay.
    """
    data = json_body()
    with transaction():
        return admin.update_organisation(actor(), organisation_id, data)


# --- batches -------------------------------------------------------------------------------------
@bp.route("/batches", methods=["POST"])
@bp.doc(**json_request_body(admin.BatchSettingsSchema))
@bp.response(201, BatchSchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def create_batch():
    """Create a filing batch · 新建申报批次

    A unique name, the year, the filing period and the quota of projects it may approve.
    """
    data = json_body()
    with transaction():
        return admin.create_batch(actor(), data)


@bp.route("/batches/<id:batch_id>", methods=["PUT"])
@bp.doc(**json_request_body(admin.BatchSettingsSchema))
@bp.response(200, BatchSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def update_batch(batch_id: int):
    """Change a batch · 修改申报批次

    The whole batch (PUT). The quota can never drop below the projects already approved in it (422).
    """
    data = json_body()
    with transaction():
        return admin.update_batch(actor(), batch_id, data)


# --- plan catalogue ------------------------------------------------------------------------------
@bp.route("/plan-items", methods=["POST"])
@bp.doc(**json_request_body(admin.PlanItemEntrySchema))
@bp.response(201, PlanItemSchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def create_plan_item():
    """Add an item to the plan catalogue · 新增规划事项"""
    data = json_body()
    with transaction():
        return admin.create_plan_item(actor(), data)


@bp.route("/plan-items/<id:item_id>", methods=["PUT"])
@bp.doc(**json_request_body(admin.PlanItemEntrySchema))
@bp.response(200, PlanItemSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def update_plan_item(item_id: int):
    """Change a plan item · 修改规划事项

    The whole item (PUT); `active: false` retires it, and applications already filed on it stay valid.
    """
    data = json_body()
    with transaction():
        return admin.update_plan_item(actor(), item_id, data)


# --- expert pool ---------------------------------------------------------------------------------
@bp.route("/experts")
@bp.response(200, ExpertSchema(many=True))
@documented_errors(bp, 401, 403)
def list_experts():
    """The expert pool · 专家库"""
    return admin.list_experts(actor())


@bp.route("/experts/<id:expert_id>", methods=["PUT"])
@bp.doc(**json_request_body(admin.ExpertProfileSchema))
@bp.response(200, ExpertSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def update_expert(expert_id: int):
    """Change an expert's profile · 修改专家信息

    Specialties, title, domains, and whether the expert is drawn for new panels (`active`).
    Every field is optional: one left out stays as it is.
    """
    data = json_body()
    with transaction():
        return admin.update_expert(actor(), expert_id, data)
