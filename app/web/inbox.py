"""The inbox (待办 / 已办) and the notifications list."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.bounds import page_number
from app.database import transaction
from app.services.commands.notifications import mark_notifications_read
from app.services.reads import inbox as reads
from app.services.reads.history import titles

bp = Blueprint("inbox", __name__)


def _page() -> int:
    return page_number(request.args)


@bp.get("/inbox")
@login_required
def index():
    inbox = reads.inbox_page(current_user, _page())
    return render_template("inbox/index.html", inbox=inbox, page=inbox, groups=inbox.groups, total=inbox.total,
                           overdue=inbox.overdue, due_soon=inbox.due_soon)


@bp.get("/inbox/handled")
@login_required
def handled():
    page = reads.handled(current_user, _page())
    return render_template("inbox/handled.html", page=page, titles=titles(page.items))


@bp.get("/notifications")
@login_required
def notifications():
    page = reads.notifications(current_user, _page())
    return render_template("inbox/notifications.html", page=page, titles=titles(page.items))


@bp.post("/notifications/read")
@login_required
def mark_read():
    with transaction():
        mark_notifications_read(current_user)
    return redirect(url_for("inbox.notifications"))
