"""Public verification of issued documents (/verify, no sign-in) and the access-checked
download of a document from the page it belongs to."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.bounds import bounded_int
from app.database import transaction
from app.documents.verify import role_of
from app.errors import Invalid
from app.services.documents import dossier_check, issuing

bp = Blueprint("documents", __name__)

VERDICTS = {
    "authentic": _l("Issued by the system and sealed: this is exactly the file the system issued, and every "
                    "signature on it is valid."),
    "superseded": _l("Issued by the system, but not the latest version: a later version with more "
                     "signatures exists."),
    "unsigned": _l("Issued by the system, without a signature: this is exactly the file the system issued, "
                   "and it carries no signature or seal (an application form is the applicant's own filing)."),
    "altered": _l("Altered: this file was changed after it was signed. Do not rely on it."),
    "untrusted": _l("Signed by someone this system does not know: the signatures are intact, but their "
                    "certificates were not issued by this deployment. Do not rely on it."),
    "not_issued": _l("Not issued by this system: the file matches no document the system issued."),
    "unreadable": _l("Damaged or altered: the file cannot be read as a PDF."),
    "not_found": _l("No issued document has this number."),
}
DOSSIER_VERDICTS = {
    "authentic": _l("Intact: the Information Office's seal on the dossier's manifest is valid and every file "
                    "matches it."),
    "altered": _l("Altered: this dossier differs from what the Information Office sealed. Do not rely on it."),
}
MEMBER_STATUS = {"intact": _l("intact"), "altered": _l("altered"), "missing": _l("removed"), "added": _l("added")}
ROLE_LABELS = {"chair": _l("Chair of the expert panel"), "expert": _l("Expert"),
               "office": _l("Information Office (seal)"), "unknown": _l("Unknown signer")}
KIND_LABELS = {"application_form": _l("Application form"), "project_approval": _l("Project approval document"),
               "midterm_report": _l("Mid-term check report"), "acceptance_report": _l("Acceptance report"),
               "evaluation_report": _l("Performance evaluation report"),
               "funding_decision": _l("Follow-on funding decision"),
               "endorsement_summary": _l("Endorsement summary")}


class VerifyForm(FlaskForm):
    file = FileField(_l("PDF file or project dossier (ZIP)"))
    number = StringField(_l("Document number"), validators=[Optional(), Length(max=48)])


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form = VerifyForm()
    result, by_number, error = None, False, None
    if form.validate_on_submit():
        upload = form.file.data
        if upload and upload.filename:
            try:
                result = dossier_check.verify_upload(upload)
            except Invalid as exc:
                error = exc.errors["file"]
        elif (form.number.data or "").strip():
            result, by_number = issuing.verify_number(form.number.data), True
        else:
            error = _l("Choose a PDF file or a dossier ZIP, or enter a document number.")
    elif request.method == "POST":
        error = _l("The form expired; please try again.")
    status = 400 if error else 200
    return render_template("verify/index.html", form=form, result=result, by_number=by_number, error=error,
                           verdicts=VERDICTS, dossier_verdicts=DOSSIER_VERDICTS, member_status=MEMBER_STATUS,
                           kinds=KIND_LABELS, roles=ROLE_LABELS, role_of=role_of,
                           local_time=issuing.local_time), status


@bp.post("/applications/<int:application_id>/application-form")
@login_required
def application_form(application_id: int):
    """Issue (or reuse) the 申报书 of the application as it is now, then download it."""
    with transaction():
        doc_id = issuing.issue_application_form(current_user._get_current_object(), application_id).id
    return redirect(url_for("documents.download", document_id=doc_id))


@bp.app_template_global("documents_of")
def documents_of_page(kind: str, entity_id: int):
    return issuing.documents_of(current_user._get_current_object(), kind, entity_id)


@bp.app_template_global("document_kind_label")
def document_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.get("/documents/<int:document_id>/download")
@login_required
def download(document_id: int):
    version = bounded_int(request.args.get("version"))
    actor = current_user._get_current_object()
    try:
        opened = issuing.open_document(actor, document_id, version)
    except issuing.StillRendering as pending:  # 正在生成: a page that waits for it, not an error
        return render_template("verify/pending.html", document=pending.document, message=str(pending)), 202, \
            {"Retry-After": "2"}
    return send_file(BytesIO(opened.data), mimetype="application/pdf", as_attachment=True,
                     download_name=opened.filename, max_age=0)


@bp.get("/documents/<int:document_id>/status")
@login_required
def status(document_id: int):
    """generating / sealing / ready, for the pages that wait on a document."""
    return {"status": issuing.status_for(current_user._get_current_object(), document_id)}


@bp.app_template_global("document_status")
def document_status(doc) -> str:
    return issuing.status_of(doc)
