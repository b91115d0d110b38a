"""Issued documents: numbering (gapless, in the deciding transaction), rendering, immutable
storage, access-checked download and public verification."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from app import clock, policies
from app.documents import numbering, pki, storage
from app.documents.pdfmeta import claimed_number
from app.documents.signing import SignRequest, get_signer
from app.documents.verify import (
    NOT_FOUND,
    OFFICE_REASON,
    IssuedMatch,
    Verification,
    assess,
    precheck,
)
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.i18n import force_locale
from app.labels import record_actor, trigger_label
from app.models import (
    Acceptance,
    AcceptanceScore,
    Application,
    AuditRecord,
    DocumentVersion,
    Endorsement,
    EndorsementSummary,
    Evaluation,
    FundingRequest,
    IssuedDocument,
    MidtermCheck,
    OutboxMessage,
    OutboxStatus,
    Project,
    User,
)
from app.models.base import utcnow
from app.services.engine.loading import load_visible
from app.services.records import counters, outbox
from workflows.acceptance import CONCLUSION_WORDING, CRITERIA
from workflows.evaluation import EvaluationState
from workflows.funding_request import DECISIONS
from workflows.midterm_check import CONCLUSIONS, MIDTERM_CHECK

OFFICE_SEAL_FIELD = "office-seal"
RENDER_JOB = "render_document"
SEAL_JOB = "seal_document"
# When the Office's seal goes on: right after layout, in the rendering job (the Office's own
# documents); by the "seal_document" job once every expert has signed (the acceptance report);
# never (the 申报书 is the applicant's filing, issued unsealed and saying so on its face).
AT_ISSUE, AFTER_EXPERTS, UNSEALED = "at issue", "after the experts", ""


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    template: str
    model: type
    entity_type: str
    title: str  # format string over the entity
    seal: str = AT_ISSUE


KINDS = {k.name: k for k in (
    Kind("application_form", "申报书", "documents/application_form.html", Application, "application",
         "电子政务应用试点项目申报书（{e.name}）", UNSEALED),
    Kind("project_approval", "立项批复", "documents/project_approval.html", Project, "project",
         "关于同意“{e.name}”立项的批复"),
    Kind("midterm_report", "中期检查意见", "documents/midterm_report.html", MidtermCheck, "midterm_check",
         "关于“{e.project.name}”{e.year}年度中期检查意见的通知"),
    Kind("acceptance_report", "验收报告", "documents/acceptance_report.html", Acceptance, "acceptance",
         "“{e.project.name}”项目验收报告", AFTER_EXPERTS),
    Kind("endorsement_summary", "汇总上报表", "documents/endorsement_summary.html", EndorsementSummary,
         "endorsement_summary", "{e.office.name}关于推荐{e.batch.programme_title}的汇总上报表", UNSEALED),
    Kind("evaluation_report", "绩效评估报告", "documents/evaluation_report.html", Evaluation, "evaluation",
         "关于“{e.project.name}”{e.period}期绩效评估结果的通报"),
    Kind("funding_decision", "后续资金批复", "documents/funding_decision.html", FundingRequest, "funding_request",
         "关于“{e.project.name}”后续资金申请的批复"),
)}
MODELS = {k.entity_type: k.model for k in KINDS.values()}


def expert_field(position: int) -> str:
    return f"expert-{position + 1}"


# --- issuing -----------------------------------------------------------------------------------
def reserve(kind: str, entity, actor: User | None) -> IssuedDocument:
    """Give ``entity`` a new document with the next number of the year and leave its rendering to
    a job (the outbox row is written in the same transaction). The counter and the row share the
    caller's transaction, so numbers have neither gaps nor duplicates; no PDF work happens in it."""
    spec = KINDS[kind]
    now = utcnow()
    year = _local_date(now).year
    seq = counters.take(numbering.counter_key(year))
    doc = IssuedDocument(number=numbering.format_number(numbering.issuer_settings()["prefix"], year, seq),
                         year=year, seq=seq, kind=kind, entity_type=spec.entity_type, entity_id=entity.id,
                         title=spec.title.format(e=entity)[:255], issued_at=now,
                         issued_by_id=actor.id if actor else None)
    db.session.add(doc)
    db.session.flush()
    outbox.enqueue(RENDER_JOB, {"document_id": doc.id})
    return doc


@dataclass(frozen=True)
class Composed:
    """A document's print layout, filled in: everything the renderer needs, no database."""

    document_id: int
    kind: str
    html: str
    note: str


def compose(document_id: int) -> Composed | None:
    """Fill in the layout of a reserved document from the database (in the caller's short
    transaction); None when it is gone or already rendered."""
    doc = db.session.get(IssuedDocument, document_id)
    if doc is None or doc.versions:
        return None
    spec = KINDS[doc.kind]
    entity = db.session.get(spec.model, doc.entity_id)
    context = {**numbering.issuer_settings(), "number": doc.number, "title": doc.title,
               "issued_on": cn_date(_local_date(doc.issued_at)), "cn_date": cn_date,
               "seal_field": OFFICE_SEAL_FIELD if spec.seal == AT_ISSUE else None,
               **CONTEXTS[doc.kind](entity, doc)}
    return Composed(doc.id, doc.kind, render_template(spec.template, **context),
                    f"rendered from {spec.entity_type} v{getattr(entity, 'version', 0)}")


def lay_out(composed: Composed) -> tuple[bytes, str]:
    """The PDF of a composed document and its version note (slow: run it outside any
    transaction). The acceptance report gets empty signature fields, the Office's locking; the
    Office's own documents are sealed at once (one locking certification signature)."""
    from app.documents import (  # late: WeasyPrint and pyHanko load slowly (workers preload)
        fields,
        render,
    )

    seal = KINDS[composed.kind].seal
    rendered = render.render_html(composed.html)
    pdf, note = rendered.pdf, f"{composed.note}, {rendered.pages} pages"
    if seal:
        pdf = fields.add_signature_fields(pdf, rendered.fields,
                                          locking=OFFICE_SEAL_FIELD if seal == AFTER_EXPERTS else None)
    if seal == AT_ISSUE:
        pdf, note = get_signer().sign(pdf, office_seal_request()), f"{note}, sealed by the Office"
    return pdf, note


def office_seal_request() -> SignRequest:
    """The Office's own seal (its organisation certificate, never a person's) over the field
    reserved for it; no change of any kind is allowed after it."""
    seal = pki.load_office_seal()
    return SignRequest(field_name=OFFICE_SEAL_FIELD, signer_name=seal.organisation, role=OFFICE_REASON,
                       certificate_pem=seal.certificate_pem, encrypted_key_pem=seal.encrypted_key_pem,
                       password=seal.passphrase, lock_document=True, seal=True)


def store_rendered(document_id: int, pdf: bytes, note: str) -> DocumentVersion | None:
    """Keep the first version of a document (the row is locked: of two renderings of one
    document only the first is kept); None when it had one already. A document sealed at
    issue is final at once."""
    doc = db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.id == document_id).with_for_update())
    db.session.refresh(doc, ["versions"])
    if doc.versions:
        return None
    version = add_version(doc, pdf, None, note)
    if KINDS[doc.kind].seal == AT_ISSUE:
        doc.finalised_at = utcnow()
        db.session.flush()
    return version


def render_now(doc: IssuedDocument) -> DocumentVersion:
    """Compose, lay out and keep a document within the caller's transaction: only for set-up
    and maintenance (the demo, ``flask documents render-pending``), never for a request."""
    composed = compose(doc.id)
    if composed is None:
        return doc.current
    return store_rendered(doc.id, *lay_out(composed))


def add_version(doc: IssuedDocument, pdf: bytes, actor: User | None, note: str) -> DocumentVersion:
    if doc.finalised_at is not None:
        raise Conflict(str(_l("The document %(number)s is final and cannot change.", number=doc.number)))
    digest = storage.put(pdf)
    version = DocumentVersion(document_id=doc.id, position=len(doc.versions) + 1, sha256=digest,
                              size=len(pdf), note=note[:255], created_by_id=actor.id if actor else None)
    doc.versions.append(version)
    db.session.flush()
    return version


def status_of(doc: IssuedDocument) -> str:
    """What a page shows for a document: "generating" (no file yet, 正在生成), "sealing" (its
    seal job has not run yet) or "ready"."""
    if not doc.versions:
        return "generating"
    if doc.finalised_at is None and db.session.scalar(sa.select(OutboxMessage.id).where(
            OutboxMessage.kind == SEAL_JOB, OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.payload["document_id"].as_integer() == doc.id).limit(1)) is not None:
        return "sealing"
    return "ready"


def status_for(actor: User, document_id: int) -> str:
    """``status_of`` a document the actor may see (for the page that waits on it)."""
    doc = db.session.get(IssuedDocument, document_id)
    if doc is None or doc.entity_type not in MODELS:
        raise NotFound(f"document {document_id}")
    load_visible(MODELS[doc.entity_type], doc.entity_id, actor)
    return status_of(doc)


def pending(limit: int = 50, *where) -> list[IssuedDocument]:
    """Reserved documents that have no file yet (and meet ``where``), oldest first."""
    return list(db.session.scalars(
        sa.select(IssuedDocument).where(~sa.exists().where(DocumentVersion.document_id == IssuedDocument.id), *where)
        .order_by(IssuedDocument.id).limit(limit)))


def requeue_pending(limit: int = 50) -> int:
    """Give every document still without a file and without a rendering job waiting a new job
    (after an admin fixed what made its job fail, or for documents numbered before the job queue
    existed). A waiting job is left to the queue (a lost one to the sweeper); returns how many
    were queued."""
    waiting = sa.exists().where(OutboxMessage.kind == RENDER_JOB, OutboxMessage.status == OutboxStatus.PENDING,
                                OutboxMessage.payload["document_id"].as_integer() == IssuedDocument.id)
    docs = pending(limit, ~waiting)  # (NOT EXISTS: a NULL among NOT IN's values would exclude every row)
    for doc in docs:
        outbox.enqueue(RENDER_JOB, {"document_id": doc.id})
    return len(docs)


def latest(kind: str, entity_id: int) -> IssuedDocument | None:
    spec = KINDS[kind]
    return db.session.scalar(sa.select(IssuedDocument).where(
        IssuedDocument.kind == kind, IssuedDocument.entity_type == spec.entity_type,
        IssuedDocument.entity_id == entity_id).order_by(IssuedDocument.id.desc()).limit(1))


def documents_of(actor: User, entity_type: str, entity_id: int) -> list[IssuedDocument]:
    """The documents issued for an item the actor may see (its page's download links, the API's
    list): an application's include the 汇总上报表 that list it, those the actor may see."""
    if entity_type not in MODELS:
        raise NotFound(entity_type)
    load_visible(MODELS[entity_type], entity_id, actor)
    issued = sa.and_(IssuedDocument.entity_type == entity_type, IssuedDocument.entity_id == entity_id)
    if entity_type == "application":
        summaries = sa.select(Endorsement.summary_id).where(Endorsement.application_id == entity_id)
        visible = sa.select(EndorsementSummary.id).where(EndorsementSummary.id.in_(summaries),
                                                         policies.visible_to(actor, EndorsementSummary))
        issued = sa.or_(issued, sa.and_(IssuedDocument.entity_type == "endorsement_summary",
                                        IssuedDocument.entity_id.in_(visible)))
    return list(db.session.scalars(sa.select(IssuedDocument).where(issued)
                                   .options(sa.orm.selectinload(IssuedDocument.versions)).order_by(IssuedDocument.id)))


def may_print_application_form(actor: User, app: Application) -> bool:
    """The applicant agency and the Information Office print the 申报书."""
    return bool(policies.check("applicant_owns", actor, app) or policies.check("office_reviewer", actor)
                or policies.check("leader", actor))


def issue_application_form(actor: User, application_id: int, data: dict | None = None,
                           expected_version: int | None = None) -> IssuedDocument:
    """申报书 on demand: the applicant agency (or the office) prints its application; the same
    unchanged application gives back the same numbered form."""
    # The row lock makes concurrent requests for one application take turns, so the second sees
    # the form the first issued instead of numbering another (SQLite's writers queue anyway).
    app = load_visible(Application, application_id, actor, for_update=True)
    if not may_print_application_form(actor, app):
        raise Denied(str(_l("Only the applicant agency or the Information Office may print the application form.")))
    if expected_version is not None and app.version != expected_version:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    previous = latest("application_form", app.id)
    if previous is not None and not previous.versions:
        return previous  # numbered, being rendered: it will show the application as it is now
    if previous is not None and previous.versions[0].note.startswith(f"rendered from application v{app.version},"):
        return previous
    return reserve("application_form", app, actor)


# --- download ----------------------------------------------------------------------------------
class StillRendering(Conflict):
    """The document is numbered and its file is being made by a job (正在生成)."""

    def __init__(self, doc: IssuedDocument):
        super().__init__(str(_l("The document %(number)s is still being generated; it will be ready in a few "
                                "seconds.", number=doc.number)))
        self.document = doc


@dataclass(frozen=True)
class Opened:
    document: IssuedDocument
    version: DocumentVersion
    data: bytes

    @property
    def filename(self) -> str:
        return f"{self.document.number}-{KINDS[self.document.kind].zh}.pdf"


def open_document(actor: User, document_id: int, position: int | None = None) -> Opened:
    """The document's bytes if the actor may see the item it belongs to (the same rules as that
    item's page); ``StillRendering`` while its job has not made the file yet."""
    doc = db.session.get(IssuedDocument, document_id)
    if doc is None or doc.entity_type not in MODELS:
        raise NotFound(f"document {document_id}")
    load_visible(MODELS[doc.entity_type], doc.entity_id, actor)
    if not doc.versions:
        raise StillRendering(doc)
    if position is None:
        version = doc.current
    elif 1 <= position <= len(doc.versions):
        version = doc.versions[position - 1]
    else:
        raise NotFound(f"document {document_id} version {position}")
    return Opened(doc, version, storage.get(version.sha256))


# --- verification (public) ---------------------------------------------------------------------
def _as_match(doc: IssuedDocument, version: DocumentVersion | None) -> IssuedMatch:
    return IssuedMatch(number=doc.number, kind=doc.kind, title=doc.title, issued_at=doc.issued_at,
                       position=version.position if version else 0, versions=len(doc.versions),
                       finalised=doc.finalised_at is not None)


def _match(digest: str) -> IssuedMatch | None:
    version = db.session.scalar(sa.select(DocumentVersion).where(DocumentVersion.sha256 == digest)
                                .order_by(DocumentVersion.id.desc()).limit(1))
    if version is None:
        return None
    return _as_match(db.session.get(IssuedDocument, version.document_id), version)


def _claimed(data: bytes) -> IssuedMatch | None:
    number = claimed_number(data)
    doc = db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.number == number)) if number else None
    return _as_match(doc, None) if doc is not None else None


UNREADABLE_REASONS = {
    "not_pdf": _l("This is not a PDF file."),
    "truncated": _l("The PDF is incomplete: its end is missing (the file was cut off)."),
    "damaged": _l("The PDF is damaged and cannot be read."),
}


def verify_file(data: bytes) -> Verification:
    """Anyone may check a PDF: each signature, and whether the system issued exactly this file."""
    digest = storage.sha256(data)
    match = _match(digest)
    problem = precheck(data)
    if problem:
        return assess(digest, None, match, unreadable_reason=problem)
    try:
        reports = get_signer().validate(data)
    except ValueError as exc:
        return assess(digest, None, match, unreadable_reason=f"damaged: {str(exc)[:200]}")
    return assess(digest, reports, match, claimed=None if match else _claimed(data))


def read_upload(stream) -> bytes:
    """An uploaded file's bytes, read once: empty or over the upload limit is Invalid."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = stream.read(limit + 1)
    if not data or len(data) > limit:
        raise Invalid({"file": str(_l("Send a non-empty PDF or dossier ZIP within the upload size limit."))})
    return data


def unreadable_message(result: Verification) -> str:
    """Why a file could not be read, in the reader's language."""
    code = (result.problems[0] if result.problems else "damaged").partition(":")[0]
    return str(UNREADABLE_REASONS.get(code, UNREADABLE_REASONS["damaged"]))


def local_time(moment: datetime | None) -> datetime | None:
    """A moment in the documents' zone (Beijing time), for people to read."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(_zone())


def verify_number(number: str) -> Verification:
    """Look a number up: the verdict on the file the system holds for it now."""
    doc = db.session.scalar(sa.select(IssuedDocument).where(
        IssuedDocument.number == numbering.normalise(number)))
    if doc is None or not doc.versions:
        return Verification(None, NOT_FOUND)
    return verify_file(storage.get(doc.current.sha256))


# --- the data each layout shows ----------------------------------------------------------------
def cn_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("DOCUMENT_TIMEZONE", "Asia/Shanghai"))


def _local_date(moment: datetime) -> date:
    """The date an official document bears: Beijing time, whatever the server's zone."""
    return local_time(moment).date()


def _decision(entity_type: str, entity_id: int, triggers, before: datetime | None = None) -> AuditRecord | None:
    query = sa.select(AuditRecord).where(AuditRecord.entity_type == entity_type,
                                         AuditRecord.entity_id == entity_id, AuditRecord.trigger.in_(triggers))
    if before is not None:
        query = query.where(AuditRecord.created_at <= before)
    return db.session.scalar(query.order_by(AuditRecord.id.desc()).limit(1))


def _application_context(app: Application, doc) -> dict:
    records = db.session.scalars(sa.select(AuditRecord).where(
        AuditRecord.entity_type == "application", AuditRecord.entity_id == app.id).order_by(AuditRecord.id))
    with force_locale("zh_CN"):  # the form speaks Chinese, whoever prints it: every entry by its name
        history = [{"when": cn_date(_local_date(r.created_at)), "step": trigger_label("application", r.trigger),
                    "actor": record_actor(r) if r.actor else "", "opinion": r.opinion} for r in records]
    return {"app": app, "history": history}


def _approver(rec: AuditRecord | None) -> str:
    """The leader who decided, and the proxy who entered it if one did (王华 批示，张敏 代录)."""
    with force_locale("zh_CN"):
        return record_actor(rec) if rec is not None and rec.actor else ""


def _approval_context(project: Project, doc) -> dict:
    rec = _decision("application", project.application_id, ("approve_project",))
    return {"project": project, "opinion": rec.opinion if rec else "", "approver": _approver(rec)}


def _midterm_context(check: MidtermCheck, doc) -> dict:
    rec = _decision("midterm_check", check.id, CONCLUSIONS, before=doc.issued_at)
    return {"check": check, "opinion": rec.opinion if rec else "",
            "conclusion": MIDTERM_CHECK.step_for(rec.trigger).zh if rec else check.state.zh}


def _evaluation_context(ev: Evaluation, doc) -> dict:
    rec = _decision("evaluation", ev.id, ("confirm_grade",))
    return {"ev": ev, "opinion": rec.opinion if rec else "", "approver": _approver(rec)}


def _acceptance_context(acc: Acceptance, doc) -> dict:

    scores = {(s.expert_id, s.criterion): s for s in db.session.scalars(
        sa.select(AcceptanceScore).where(AcceptanceScore.acceptance_id == acc.id))}
    # Members sign in position order with the chair last, so the chair's box comes last too.
    ordered = sorted(acc.members, key=lambda m: (m.is_chair, m.position))
    members = [{"name": m.expert.user.display_name, "is_chair": m.is_chair, "field": expert_field(m.position),
                "total": sum((scores[(m.expert_id, k)].score for k, *_ in CRITERIA if (m.expert_id, k) in scores),
                             Decimal(0))} for m in ordered]
    criteria, comments = [], []
    for key, zh, _en, maximum in CRITERIA:
        row = [scores.get((m.expert_id, key)) for m in ordered]
        given = [s.score for s in row if s is not None]
        criteria.append({"zh": zh, "maximum": maximum, "scores": [s.score if s else "—" for s in row],
                         "average": (sum(given) / len(given)).quantize(Decimal("0.01")) if given else "—"})
    for m in ordered:
        for key, zh, _en, _max in CRITERIA:
            s = scores.get((m.expert_id, key))
            if s is not None and s.comment:
                comments.append({"expert": m.expert.user.display_name, "criterion": zh, "comment": s.comment})
    rec = _decision("acceptance", acc.id, ("conclude",))
    replaced = {m.replaces_id: m for m in acc.panel if m.replaces_id is not None}
    declarations = [{"name": m.expert.user.display_name, "recused": m.recused,
                     "declared_at": clock.beijing(m.declared_at) if m.declared_at else "未声明",
                     "reason": m.recusal_reason,
                     "replacement": replaced[m.id].expert.user.display_name if m.id in replaced else "",
                     "seed": replaced[m.id].draw_seed if m.id in replaced else None}
                    for m in acc.panel]
    return {"acc": acc, "members": members, "criteria": criteria, "comments": comments,
            "declarations": declarations,
            "office_field": OFFICE_SEAL_FIELD, "opinion": rec.opinion if rec else "",
            "conclusion": CONCLUSION_WORDING.get(acc.conclusion or "", "")}


def _funding_context(request: FundingRequest, doc) -> dict:
    rec = _decision("funding_request", request.id, DECISIONS, before=doc.issued_at)
    override = _decision("funding_request", request.id, ("override_grade_block",), before=doc.issued_at)
    latest = db.session.scalar(sa.select(Evaluation).where(
        Evaluation.project_id == request.project_id, Evaluation.state == EvaluationState.GRADED)
        .order_by(Evaluation.id.desc()).limit(1))
    return {"req": request, "approved": rec is not None and rec.trigger == "approve_funding",
            "opinion": rec.opinion if rec else "", "latest": latest,
            "override": override.opinion if override else ""}


def _summary_context(summary: EndorsementSummary, doc) -> dict:
    """The office's endorsed applications of this submission, in the office's rank order."""
    rows = sorted(summary.endorsements, key=lambda e: (e.ranking is None, e.ranking or 0, e.application_id))
    return {"summary": summary, "rows": [(e.ranking, db.session.get(Application, e.application_id)) for e in rows]}


CONTEXTS = {"application_form": _application_context, "project_approval": _approval_context,
            "midterm_report": _midterm_context, "acceptance_report": _acceptance_context,
            "evaluation_report": _evaluation_context, "funding_decision": _funding_context,
            "endorsement_summary": _summary_context}

