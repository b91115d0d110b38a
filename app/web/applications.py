"""Applications: the filtered list with CSV/XLSX export, the draft form, the detail page
(data, attachments, the agency's evaluations, the opinions timeline, the workflow diagram and
the allowed actions) and attachment upload/download."""
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
from app.i18n import short_locale
from app.kinds import flow_of
from app.labels import application_number
from app.models.vocabulary import Domain, PilotCategory
from app.services.commands import actions_for, applications, attachments
from app.services.documents import issuing
from app.services.reads import applications as reads
from app.services.reads import inbox, reference
from app.services.reads.history import entered_by, timeline
from app.services.reads.projects import agency_history
from app.web.actions import form_data
from app.web.diagram import flow_svg
from app.web.exports import download
from app.web.levels import level_arg, level_choices
from app.web.templating import local_time
from workflows.application import RETURNED, ApplicationState
from workflows.diagrams import mermaid

bp = Blueprint("applications", __name__, url_prefix="/applications")
FORM_FIELDS = ("batch_id", "name", "category", "domain", "contact_name", "contact_phone", "requested_budget",
               "construction_months", "objectives", "content", "expected_benefits", "plan_item_id",
               "off_plan_justification")


def _int(name: str) -> int | None:
    return bounded_int(request.args.get(name))


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in {m.value for m in allowed} else None


def _filters() -> reads.ApplicationFilters:
    return reads.ApplicationFilters(
        batch_id=_int("batch_id"), state=_choice("state", ApplicationState),
        division_code=(request.args.get("division_code") or None), category=_choice("category", PilotCategory),
        domain=_choice("domain", Domain), year=_int("year"), q=(request.args.get("q") or "").strip()[:64] or None,
        level=level_arg())


@bp.get("/")
@login_required
def index():
    filters = _filters()
    page = reads.list_applications(current_user, filters, page_number(request.args), 20)
    return render_template("applications/index.html", page=page, filters=filters,
                           options=reference.filter_options(), states=ApplicationState,
                           categories=PilotCategory, domains=Domain,
                           levels=level_choices())


@bp.get("/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str):
    rows = reads.all_applications(current_user, _filters())
    loc = short_locale()
    headers = [_("Application number"), _("Project name"), _("Applicant agency"), _("Batch"), _("Stage"),
               _("Category"), _("Domain"), _("Division"), _("Requested budget (10k yuan)"),
               _("Construction period (months)"), _("Provincial plan item"), _("Submitted at (Beijing time)"),
               _("Deadline"), _("Time-limit status")]
    data = [[application_number(a), a.name, a.organisation.name, a.batch.name, a.state.label(loc),
             a.category.label(loc), a.domain.label(loc), a.organisation.division.name, float(a.requested_budget),
             a.construction_months, a.plan_item.name if a.plan_item else _("Not in the plan"), a.submitted_at,
             local_time(a.time_limit.deadline, "%Y-%m-%d") or None, a.time_limit.level.label(loc)] for a in rows]
    return download(headers, data, "applications", fmt, sheet=_("Applications"))


def _form(template_values: dict, errors: dict, application=None, status: int = 200):
    return render_template("applications/form.html", values=template_values, errors=errors,
                           application=application, options=reference.filter_options(),
                           categories=PilotCategory, domains=Domain), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    policies.require("applicant", current_user)
    if request.method == "GET":
        batches = reference.filter_options().batches
        return _form({"batch_id": batches[0].id if batches else None}, {})
    values = form_data(request.form)
    try:
        with transaction():
            app_id = applications.create_application(current_user, values).id
    except Invalid as exc:
        return _form(values, exc.errors, status=422)
    flash(_("The draft is saved. Add the attachments, then submit it."), "success")
    return redirect(url_for(".detail", id=app_id))


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id: int):
    application, _steps = actions_for(current_user, "application", id)
    policies.require("applicant_owns", current_user, application)
    if request.method == "GET":
        return _form({f: getattr(application, f) for f in FORM_FIELDS}, {}, application)
    values = form_data(request.form)
    try:
        with transaction():
            applications.update_application(current_user, id, values, bounded_int(request.form.get("version")) or 0)
    except Invalid as exc:
        return _form(values, exc.errors, application, status=422)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for(".detail", id=id))


def _detail(id: int, upload_errors: dict | None = None, status: int = 200):
    application = reads.application_detail(current_user, id).entity
    steps = actions_for(current_user, "application", id)[1]
    loc = short_locale()
    history = timeline(current_user, "application", id)  # actors in one query
    editable = applications.may_edit(current_user, application)
    return render_template(
        "applications/detail.html", application=application, steps=steps, history=history,
        can_print_form=issuing.may_print_application_form(current_user, application),
        evaluations=agency_history(current_user, "application", id), editable=editable,
        re_review=inbox.re_review_status(application), attachment_kinds=attachments.KINDS,
        upload_errors=upload_errors or {},
        returned=entered_by(history, application.state) if application.state in RETURNED else None,
        diagram=flow_svg(flow_of(application), application.state, [r.to_state for r in history], loc,
                         _("Workflow; the current stage is highlighted")),  # the case's own version
        mermaid_text=mermaid(flow_of(application), loc, current=application.state.value)), status


@bp.get("/<int:id>")
@login_required
def detail(id: int):
    return _detail(id)


@bp.get("/<int:id>/re-review")
@login_required
def re_review(id: int):
    application = reads.application_detail(current_user, id).entity
    steps = actions_for(current_user, "application", id)[1]
    triggers = {"record_joint_opinion", "re_review_approve", "re_review_return", "re_review_reject"}
    return render_template("applications/re_review.html", application=application,
                           steps=[s for s in steps if s.trigger in triggers],
                           status=inbox.re_review_status(application))


@bp.post("/<int:id>/attachments")
@login_required
def upload(id: int):
    upload_file = request.files.get("file")
    stream = upload_file.stream if upload_file else io.BytesIO(b"")
    try:
        with transaction():
            attachments.add_attachment(current_user, id, request.form.get("kind", ""),
                                       upload_file.filename if upload_file else "", stream)
    except Invalid as exc:
        return _detail(id, exc.errors, 422)
    flash(_("The attachment is uploaded."), "success")
    return redirect(url_for(".detail", id=id) + "#attachments")


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(attachment_id: int):
    with transaction():
        app_id = attachments.remove_attachment(current_user, attachment_id).application_id
    flash(_("The attachment is removed."), "success")
    return redirect(url_for(".detail", id=app_id) + "#attachments")


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    item, path = attachments.open_attachment(current_user, attachment_id)
    return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.display_name)
