"""The caller's notifications (通知): list them, mark them all read — as the notifications page."""
from __future__ import annotations

from app.api.auth import actor
from app.api.blueprint import api_blueprint, documented_errors
from app.api.schemas import MarkedReadSchema, NotificationSchema, PageArgs, page_of
from app.database import transaction
from app.services.commands.notifications import mark_notifications_read
from app.services.reads import inbox as worklists

bp = api_blueprint("notifications", "/notifications",
                   "The caller's notifications (通知): what happened to the items they take part in.")


@bp.route("")
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(NotificationSchema))
@documented_errors(bp, 401, 422)
def list_notifications(args):
    """My notifications · 通知

    Newest first; `read_at` is null while unread.
    """
    return worklists.notifications(actor(), args["page"], args["per_page"])


@bp.route("/read", methods=["POST"])
@bp.response(200, MarkedReadSchema)
@documented_errors(bp, 401)
def mark_read():
    """Mark all my notifications read · 全部标为已读

    Answers how many were unread.
    """
    with transaction():
        return {"marked": mark_notifications_read(actor())}
