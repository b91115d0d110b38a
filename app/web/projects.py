"""Project pages: the list, a project's page (mid-term checks per year, acceptance rounds,
evaluation history, demonstration status, the generic action buttons), a mid-term check's
page, opening the year's checks, and the follow-on funding request."""
from __future__ import annotations

from io import BytesIO

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
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import clock, policies
from app.bounds import bounded_int, page_number
from app.database import transaction
from app.errors import Invalid
from app.models import DossierStatus, Role
from app.schemas import material_label
from app.services.commands import actions_for, checks, materials
from app.services.commands import funding as funding_commands
from app.services.documents import dossier_exports as exports
from app.services.reads import changes as change_reads
from app.services.reads import projects as reads
from app.services.reads.history import timeline
from app.services.time import limits
from app.web import bulk
from app.web.levels import level_arg, level_choices
from workflows.midterm_check import MidtermCheckState
from workflows.project import ProjectState
from workflows.registry import FLOWS

bp = Blueprint("projects", __name__, url_prefix="/projects")


def _int(name: str) -> int | None:
    return bounded_int(request.args.get(name))


@bp.get("/")
@login_required
def index():
    policies.require("project_list", current_user)
    state = request.args.get("state") if request.args.get("state") in {s.value for s in ProjectState} else None
    level = level_arg()
    page = reads.list_projects(current_user, page=page_number(request.args), state=state, batch_id=_int("batch_id"),
                               level=level)
    return render_template("projects/index.html", page=page, state=state, states=list(ProjectState),
                           level=level, levels=level_choices())


@bp.get("/<int:id>")
@login_required
def detail(id: int):
    dossier = reads.project_dossier(current_user, id)
    steps = actions_for(current_user, "project", id)[1]
    return render_template("projects/detail.html", project=dossier.project, steps=steps, dossier=dossier,
                           export=exports.latest_for(current_user._get_current_object(), dossier.project),
                           change_requests=change_reads.of_project(current_user, id),
                           acceptance_due=limits.status("project", dossier.project))


@bp.post("/<int:id>/dossier")
@login_required
def dossier_request(id: int):
    """Build the project's dossier (一项目一档): a job makes and seals it (policy dossier_reader; a
    project the user may not see is a 404); the page shows it being built, then its link."""
    with transaction():
        ready = exports.request(current_user._get_current_object(), id).status == DossierStatus.READY
    flash(_("The project dossier is ready.") if ready else
          _("The project dossier is being built; its download link appears here when it is ready."),
          "success" if ready else "info")
    return redirect(url_for("projects.detail", id=id, _anchor="dossier"))


@bp.get("/<int:id>/dossier/<int:export_id>")
@login_required
def dossier_download(id: int, export_id: int):
    """A built dossier's sealed ZIP (the policy checked again: 404 for a project one may not
    see); while its job runs, a page that waits for it (202)."""
    try:
        opened = exports.open_export(current_user._get_current_object(), id, export_id)
    except exports.StillBuilding as pending:
        return render_template("projects/dossier_pending.html", project_id=id, export=pending.export,
                               message=str(pending)), 202, {"Retry-After": str(exports.RETRY_AFTER)}
    return send_file(BytesIO(opened.data), mimetype="application/zip", as_attachment=True,
                     download_name=opened.filename, max_age=0)


@bp.get("/<int:id>/dossier/<int:export_id>/status")
@login_required
def dossier_status(id: int, export_id: int):
    """pending / ready / failed, for the page that waits on a dossier."""
    found = exports.status(current_user._get_current_object(), id, export_id)
    return {"status": found.status, "current": found.current}


@bp.get("/checks")
@login_required
def checks_index():
    state = request.args.get("state") if request.args.get("state") in {s.value for s in MidtermCheckState} else None
    level = level_arg()
    page = reads.list_midterm_checks(current_user, year=_int("year"), state=state, page=page_number(request.args),
                                     level=level)
    return render_template("projects/checks.html", page=page, state=state, states=list(MidtermCheckState),
                           year=_int("year"), this_year=clock.today().year, level=level, levels=level_choices())


@bp.post("/checks/open")
@login_required
def open_checks():
    """Opening every due check is confirmed first, on a page saying how many projects it touches."""
    year = request.form.get("year", "")
    ask = bulk.ask_first(
        lambda: checks.checks_to_open(current_user, bounded_int(year) or 0), title=_("Open mid-term checks"),
        question=lambda n: ngettext("This opens the %(year)s mid-term check for %(num)d project. Continue?",
                                    "This opens the %(year)s mid-term check for %(num)d projects. Continue?",
                                    n, year=year),
        nothing=_("No project under construction is waiting for a %(year)s mid-term check.", year=year),
        action=url_for("projects.open_checks"), fields={"year": year}, back=url_for("projects.checks_index"))
    if ask is not None:
        return ask
    with transaction():
        opened = checks.open_checks(current_user, bounded_int(year) or 0)
        count = len(opened)
    flash(_("Opened %(n)d mid-term checks for %(year)s.", n=count, year=year), "success")
    return redirect(url_for("projects.checks_index", year=year))


@bp.get("/checks/<int:id>")
@login_required
def check(id: int):
    entity = reads.midterm_check_detail(current_user, id)
    steps = actions_for(current_user, "midterm_check", id)[1]
    return render_template("projects/check.html", check=entity, steps=steps, today=clock.today(),
                           history=timeline(current_user, "midterm_check", id))


@bp.get("/materials/<int:material_id>")
@login_required
def material(material_id: int):
    """A material handed in with a stage's step, for whoever may see that stage (else 404)."""
    item, path = materials.open_material(current_user, material_id)
    return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.display_name)


@bp.app_template_global("materials_of")
def materials_of_page(kind: str, entity_id: int):
    return materials.list_materials(current_user._get_current_object(), kind, entity_id)


bp.add_app_template_global(material_label, "material_label")


@bp.route("/<int:id>/funding", methods=["GET", "POST"])
@login_required
def funding(id: int):
    """File a follow-on funding request, with an optional first attachment (more while returned)."""
    errors, values = {}, {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("amount", "purpose", "kind")}
        upload_file = request.files.get("file")
        files = [(values["kind"], upload_file.filename, upload_file.stream)] \
            if upload_file and upload_file.filename else []
        try:
            with transaction():
                filed = funding_commands.file_funding_request(current_user, id, values, files)
            flash(_("Your follow-on funding request has been filed."), "success")
            return redirect(url_for("funding.detail", id=filed.id))
        except Invalid as exc:
            errors = exc.errors
    project = reads.project_detail(current_user, id)
    return render_template("projects/funding.html", project=project,
                           evaluations=reads.agency_history(current_user, "project", id),
                           attachment_kinds=funding_commands.ATTACHMENT_KINDS,
                           errors=errors, values=values), (422 if errors else 200)


def programme_context() -> dict:
    """What the programme pages' shared partials need: the flows (step and state labels) and roles."""
    return {"flows": FLOWS, "roles": {r.value: r for r in Role}}


bp.context_processor(programme_context)
