"""Change request pages (变更/延期申请): the list, the filing form (from the project page), one
request with its material, its actions and its history."""
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
from app.bounds import bounded_int, page_number
from app.database import transaction
from app.errors import Invalid
from app.services.commands import actions_for, changes
from app.services.reads import changes as reads
from app.services.reads import projects as project_reads
from app.services.reads.history import timeline
from app.web.levels import level_arg, level_choices
from workflows.change_request import ChangeRequestState, ChangeType

bp = Blueprint("changes", __name__, url_prefix="/changes")
FIELDS = ("change_type", "reason", "new_budget", "new_starts_on", "new_ends_on", "new_content",
          "new_contact_name", "new_contact_phone")


@bp.get("/")
@login_required
def index():
    state = request.args.get("state") if request.args.get("state") in {s.value for s in ChangeRequestState} else None
    change_type = request.args.get("type") if request.args.get("type") in {t.value for t in ChangeType} else None
    level = level_arg()
    page = reads.list_change_requests(current_user, project_id=bounded_int(request.args.get("project_id")),
                                      state=state, change_type=change_type, page=page_number(request.args),
                                      level=level)
    return render_template("changes/index.html", page=page, state=state, states=list(ChangeRequestState),
                           change_type=change_type, types=list(ChangeType), level=level, levels=level_choices())


@bp.route("/new/<int:project_id>", methods=["GET", "POST"])
@login_required
def new(project_id: int):
    """申请变更: the agency's form on its project under construction, with one piece of material."""
    errors, values = {}, {"change_type": request.args.get("type", "")}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in FIELDS}
        upload = request.files.get("file")
        files = ([(request.form.get("kind", ""), upload.filename, upload.stream)]
                 if upload is not None and upload.filename else [])
        try:
            with transaction():
                cr_id = changes.file_change_request(current_user, project_id,
                                                    {k: v for k, v in values.items() if v}, files).id
            flash(_("Your change request has been filed; the Information Office reviews it."), "success")
            return redirect(url_for("changes.detail", id=cr_id))
        except Invalid as exc:
            errors = exc.errors
    project = project_reads.project_detail(current_user, project_id)
    policies.require("applicant_owns", current_user, project)
    return render_template("changes/new.html", project=project, errors=errors, values=values,
                           types=list(ChangeType), attachment_kinds=changes.ATTACHMENT_KINDS), (422 if errors else 200)


@bp.get("/<int:id>")
@login_required
def detail(id: int, upload_errors: dict | None = None):
    cr = reads.change_request_detail(current_user, id)
    steps = actions_for(current_user, "change_request", id)[1]
    editable = changes.material_editable(current_user, cr)
    return render_template("changes/detail.html", cr=cr, steps=steps, changes=reads.what_changes(cr),
                           history=timeline(current_user, "change_request", id), editable=editable,
                           attachment_kinds=changes.ATTACHMENT_KINDS, upload_errors=upload_errors or {})


@bp.post("/<int:id>/attachments")
@login_required
def upload(id: int):
    upload_file = request.files.get("file")
    stream = upload_file.stream if upload_file else io.BytesIO(b"")
    try:
        with transaction():
            changes.add_change_attachment(current_user, id, request.form.get("kind", ""),
                                          upload_file.filename if upload_file else "", stream)
    except Invalid as exc:
        return detail(id, exc.errors), 422
    flash(_("The attachment is uploaded."), "success")
    return redirect(url_for(".detail", id=id) + "#attachments")


@bp.post("/<int:id>/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(id: int, attachment_id: int):
    with transaction():
        changes.remove_change_attachment(current_user, id, attachment_id)
    flash(_("The attachment is removed."), "success")
    return redirect(url_for(".detail", id=id) + "#attachments")


@bp.get("/<int:id>/attachments/<int:attachment_id>")
@login_required
def attachment(id: int, attachment_id: int):
    item, path = changes.open_change_attachment(current_user, id, attachment_id)
    return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.display_name)


@bp.app_context_processor
def change_helpers() -> dict:
    """The project page's history says what an approved change did, in the reader's language."""
    return {"change_words": changes.change_words,
            "change_field_label": lambda name: str(changes.FIELD_LABELS.get(name, name))}
