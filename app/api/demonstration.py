"""Demonstration projects (示范项目): publishing the candidates (拟推荐) as a draft list for public
notice (公示), a list with its objections, an objection with the Office's answer, and the public
notice itself — read, and objected to, without a token. (Proposing and withdrawing a project
are its workflow actions `select_demonstration` and `deselect_demonstration`; confirming a list
and answering an objection are the actions `confirm_list` and `answer_objection` below.)"""
from __future__ import annotations

from app.api import errors
from app.api.auth import actor, json_body
from app.api.blueprint import (
    PREFIX,
    Blueprint,
    api_blueprint,
    documented_errors,
    json_request_body,
)
from app.api.schemas import (
    DemonstrationListDetailSchema,
    DemonstrationListSchema,
    ObjectionReceiptSchema,
    ObjectionSchemaOut,
    PublicDemonstrationListSchema,
    PublishedDemonstrationListSchema,
)
from app.api.workflow import add_workflow_routes
from app.database import transaction
from app.errors import NotFound
from app.schemas import DemonstrationPublishSchema, ObjectionSchema
from app.services.commands import demonstration
from app.services.reads import projects as programme
from workflows.demonstration import ObjectionState

bp = api_blueprint("demonstration_lists", "/demonstration-lists",
                   "The lists of demonstration projects (示范项目名单) and their public notice (公示).")
objections_bp = api_blueprint("demonstration_objections", "/demonstration-objections",
                              "Objections (异议) to a list under public notice, and the Office's answers.")
# No token: the public notice is for everybody (like /verify); objections are rate-limited per address.
public_bp = Blueprint("public_demonstration", __name__, url_prefix=PREFIX + "/public/demonstration-list",
                      description="The public notice of the demonstration projects (示范项目公示), without a token.")
errors.register_on(public_bp)
ID = "<id:entity_id>"


@bp.route("", methods=["POST"])
@bp.doc(**json_request_body(DemonstrationPublishSchema))
@bp.response(201, DemonstrationListSchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def publish():
    """Publish the candidates for public notice · 发布示范项目公示

    The Information Office's leaders only. The list is every candidate (拟推荐) now; it is
    published while no other list is under notice and the candidates with the demonstration
    projects already confirmed number between the configured minimum and maximum (409 otherwise,
    saying how many). Objections are accepted for `notice_days` working days (default: the
    configured period), after which a leader confirms the list (`confirm_list`).
    """
    data = json_body()
    with transaction():
        return demonstration.publish_demonstrations(actor(), data)


@bp.route("/latest")
@bp.response(200, PublishedDemonstrationListSchema)
@documented_errors(bp, 401, 404)
def latest():
    """The list last published · 示范项目名单

    Readable by every signed-in user, with its projects in the list's order; 404 before the first list.
    """
    publication, projects = programme.published_list()
    if publication is None:
        raise NotFound("demonstration list")
    publication.projects = projects  # for the response only, like a row's time_limit
    return publication


@bp.route("/" + ID)
@bp.response(200, DemonstrationListDetailSchema)
@documented_errors(bp, 401, 404)
def get_list(entity_id: int):
    """One list with its objections and answers · 名单及异议

    The Information Office and its leaders (404 for everybody else).
    """
    return programme.demonstration_list_detail(actor(), entity_id)


@objections_bp.route("/" + ID)
@objections_bp.response(200, ObjectionSchemaOut)
@documented_errors(objections_bp, 401, 404)
def get_objection(entity_id: int):
    """One objection with the filer's contact and the answer · 异议

    The Information Office and its leaders (404 for everybody else).
    """
    return programme.objection_detail(actor(), entity_id)


@public_bp.route("")
@public_bp.response(200, PublicDemonstrationListSchema)
@public_bp.doc(security=[])
@documented_errors(public_bp, 404)
def public_list():
    """The public notice · 示范项目公示 (no token)

    The list under public notice, else the last confirmed list: each project's name, agency,
    domain and grade, the domains covered, and how many objections were received and answered.
    404 before the first list.
    """
    publication, rows = programme.public_list()
    if publication is None:
        raise NotFound("demonstration list")
    counts = programme.objection_counts(publication)
    coverage = programme.domain_coverage(rows)
    return {"id": publication.id, "state": publication.state, "published_at": publication.published_at,
            "notice_ends_on": publication.notice_ends_on, "confirmed_at": publication.confirmed_at,
            "projects": rows, "coverage": [{"domain": d, "projects": n} for d, n in coverage.items()],
            "objections": sum(counts.values()), "objections_answered": counts[ObjectionState.ANSWERED]}


@public_bp.route("/objections", methods=["POST"])
@public_bp.doc(security=[], **json_request_body(ObjectionSchema))
@public_bp.response(201, ObjectionReceiptSchema)
@documented_errors(public_bp, 400, 409, 422, 429)
def file_objection():
    """File an objection to the list under public notice · 提出异议 (no token)

    Anybody may object during the notice period; `contact` (telephone or e-mail) is required so
    that the Office can answer. 422 without a contact or text, 409 when no list is under notice
    or its period has ended; nothing is written then. Limited per client address.
    """
    data = json_body()
    with transaction():
        return demonstration.file_objection(data)


add_workflow_routes(bp, "demonstration_list")
add_workflow_routes(objections_bp, "demonstration_objection")
BLUEPRINTS = [bp, objections_bp, public_bp]
