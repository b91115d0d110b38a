"""Follow-on funding pages (后续资金申请): the list (the agency's own, everything for the Office),
a request with the project's evaluation history and the agency's grades beside its actions,
further attachments while it is returned, and downloads. Filing is on the project
(``projects.funding``); the steps are the generic action view's."""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.bounds import page_number
from app.database import transaction
from app.errors import Invalid
from app.services.commands import actions_for, funding
from app.services.reads import funding as reads
from app.services.reads.history import timeline
from app.web.levels import level_arg, level_choices
from app.web.projects import programme_context
from workflows.funding_request import FundingRequestState

bp = Blueprint("funding", __name__, url_prefix="/funding")
bp.context_processor(programme_context)


@bp.get("/")
@login_required
def index():
    policies.require("funding_list", current_user)
    state = request.args.get("state") if request.args.get("state") in {s.value for s in FundingRequestState} else None
    level = level_arg()
    page = reads.list_funding_requests(current_user, state=state, page=page_number(request.args), level=level)
    return render_template("funding/index.html", page=page, state=state, states=list(FundingRequestState),
                           level=level, levels=level_choices())


def _detail(id: int, upload_errors: dict | None = None, status: int = 200):
    review = reads.funding_review(current_user, id)
    steps = actions_for(current_user, "funding_request", id)[1]
    editable = funding.attachments_editable(current_user, review.request)
    return render_template("funding/detail.html", review=review, req=review.request, steps=steps,
                           editable=editable, attachment_kinds=funding.ATTACHMENT_KINDS,
                           upload_errors=upload_errors or {},
                           history=timeline(current_user, "funding_request", id)), status


@bp.get("/<int:id>")
@login_required
def detail(id: int):
    return _detail(id)


@bp.post("/<int:id>/attachments")
@login_required
def upload(id: int):
    upload_file = request.files.get("file")
    try:
        with transaction():
            funding.add_funding_attachment(current_user, id, request.form.get("kind", ""),
                                           upload_file.filename if upload_file else "",
                                           upload_file.stream if upload_file else io.BytesIO(b""))
    except Invalid as exc:
        return _detail(id, exc.errors, 422)
    flash(_("The attachment is uploaded."), "success")
    return redirect(url_for(".detail", id=id) + "#attachments")


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(attachment_id: int):
    with transaction():
        request_id = funding.remove_funding_attachment(current_user, attachment_id).funding_request_id
    flash(_("The attachment is removed."), "success")
    return redirect(url_for(".detail", id=request_id) + "#attachments")


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    item, path = funding.open_funding_attachment(current_user, attachment_id)
    return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.display_name)
