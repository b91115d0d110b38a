"""Demonstration projects (示范项目): publishing the list of selected projects, and reading the
list last published. (Selecting a project is its workflow action `select_demonstration`.)"""
from __future__ import annotations

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors, json_request_body
from app.api.schemas import DemonstrationListSchema, PublishedDemonstrationListSchema
from app.database import transaction
from app.errors import NotFound
from app.schemas import OpinionSchema
from app.services.commands import demonstration
from app.services.reads import projects as programme

bp = api_blueprint("demonstration_lists", "/demonstration-lists",
                   "The published lists of demonstration projects (示范项目名单).")


@bp.route("", methods=["POST"])
@bp.doc(**json_request_body(OpinionSchema))
@bp.response(201, DemonstrationListSchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def publish():
    """Publish the list of demonstration projects · 发布示范项目名单

    The Information Office's leaders only. The list is every project now selected as a
    demonstration; it is published only while it holds between the configured minimum and
    maximum of projects (409 otherwise, saying how many it holds).
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
    return {"id": publication.id, "published_at": publication.published_at,
            "published_by_id": publication.published_by_id, "project_ids": publication.project_ids,
            "projects": projects}
