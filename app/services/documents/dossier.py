"""One project, one dossier (一项目一档): a ZIP holding every issued document of the project and
its items in its final version, every attachment, the complete history (PDF and JSON), the
audit records with what is needed to check them, and a manifest of every file sealed with the
Information Office's seal. The layout is ``app/documents/package.py``; checking an archive is
``dossier_check.py``.

Callers read in one short transaction and build with none open::

    with transaction():
        contents = dossier.collect_for(actor, project_id)
    archive = dossier.build(contents)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from flask import render_template
from flask_babel import lazy_gettext as _l

from app import clock, policies
from app.documents import cms, numbering, package, pki, storage
from app.errors import Conflict, NotFound
from app.extensions import db
from app.i18n import force_locale
from app.labels import kind_label, record_actor, role_label, state_label, trigger_label
from app.models import (
    MATERIAL_KINDS,
    Acceptance,
    Attachment,
    AuditCheckpoint,
    AuditRecord,
    ChangeAttachment,
    ChangeRequest,
    DocumentVersion,
    Evaluation,
    FundingAttachment,
    FundingRequest,
    IssuedDocument,
    Material,
    MidtermCheck,
    Project,
    User,
)
from app.services.commands.attachments import CONTENT_TYPES, storage_path
from app.services.commands.attachments import KINDS as ATTACHMENT_KINDS
from app.services.commands.changes import ATTACHMENT_KINDS as CHANGE_FILE_KINDS
from app.services.commands.funding import ATTACHMENT_KINDS as FUNDING_FILE_KINDS
from app.services.documents import issuing
from app.services.engine.loading import load_visible
from app.services.reads.history import of_items, title_of
from app.services.reads.paging import attach
from app.services.records import audit, checkpoints

HISTORY_PDF, HISTORY_JSON, AUDIT_JSON = "history/history.pdf", "history/history.json", "audit/records.json"
HISTORY_TEMPLATE = "documents/dossier_history.html"
EXTENSIONS = {v: k for k, v in CONTENT_TYPES.items()}
CHECKPOINTS_NOTE = "审计检查点：省信息办电子公章签署的、覆盖本包全部审计记录的第一个检查点（尚未生成时本目录为空）。"


@dataclass(frozen=True)
class Member:
    """A file to put in the archive: its bytes come from document or attachment storage."""

    path: str
    category: str
    sha256: str            # of the stored bytes
    source: str            # "document" or "attachment"
    metadata: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Contents:
    """Everything the archive says, read from the database; ``build`` needs no database."""

    code: str
    name: str
    record: tuple[tuple[str, str], ...]
    stored: tuple[Member, ...]
    history: tuple[dict, ...]
    audit_records: tuple[dict, ...]
    issuer: str
    checkpoints: tuple[dict, ...] = ()  # the first signed checkpoint covering the records, as stored outside

    @property
    def filename(self) -> str:
        return f"{self.code}-dossier.zip"


# --- reading (one short transaction) -----------------------------------------------------------
def project_by_code(code: str) -> Project:
    project = db.session.scalar(sa.select(Project).where(Project.code == code.strip()))
    if project is None:
        raise NotFound(f"project {code}")
    return project


def collect_for(actor: User, project_id: int) -> Contents:
    """The dossier of a project the actor may see (else NotFound) and may export whole (else
    Denied with the reason: policy ``dossier_reader``)."""
    project = load_visible(Project, project_id, actor)
    policies.require("dossier_reader", actor, project)
    return collect(project)


def _items(project: Project) -> dict[str, list]:
    def of(model, order):
        return list(db.session.scalars(sa.select(model).where(model.project_id == project.id).order_by(order)))

    return {"application": [project.application], "project": [project],
            "midterm_check": of(MidtermCheck, MidtermCheck.year), "acceptance": of(Acceptance, Acceptance.round),
            "evaluation": of(Evaluation, Evaluation.id), "change_request": of(ChangeRequest, ChangeRequest.id),
            "funding_request": of(FundingRequest, FundingRequest.id)}


# The files of a project's change and funding requests: (kind, table, its request column, kind → words).
REQUEST_FILES = (("change_request", ChangeAttachment, "change_request_id", CHANGE_FILE_KINDS),
                 ("funding_request", FundingAttachment, "funding_request_id", FUNDING_FILE_KINDS))


@dataclass(frozen=True)
class Snapshot:
    """What a dossier of the project would hold, in brief: ``key`` changes whenever the archive
    would (a new audit record of its items — every state change and the project's own data —, a
    new document or version, an attachment added or removed, a checkpoint now covering its
    records); ``last_record_id`` is the project's last audit record."""

    key: str
    last_record_id: int | None


def snapshot(project: Project) -> Snapshot:
    """A few aggregate queries (no file is read). Take it before ``collect``: content newer than
    its key only makes a later request build again, never reuse a stale archive."""
    items = _items(project)
    last = db.session.scalar(sa.select(sa.func.max(AuditRecord.id)).where(of_items(AuditRecord, items)))
    docs = db.session.execute(sa.select(sa.func.count(IssuedDocument.id), sa.func.max(IssuedDocument.id))
                              .where(of_items(IssuedDocument, items))).one()
    version = db.session.scalar(sa.select(sa.func.max(DocumentVersion.id)).join(
        IssuedDocument, IssuedDocument.id == DocumentVersion.document_id).where(of_items(IssuedDocument, items)))
    files = db.session.execute(sa.select(sa.func.count(Attachment.id), sa.func.max(Attachment.id))
                               .where(Attachment.application_id == project.application_id)).one()
    handed_in = db.session.execute(sa.select(sa.func.count(Material.id), sa.func.max(Material.id))
                                   .where(Material.project_id == project.id)).one()
    requested = [db.session.execute(sa.select(sa.func.count(table.id), sa.func.max(table.id)).where(
        getattr(table, column).in_([e.id for e in items[kind]]))).one() for kind, table, column, _ in REQUEST_FILES]
    covering = None if last is None else db.session.scalar(
        sa.select(sa.func.min(AuditCheckpoint.seq)).where(AuditCheckpoint.record_id >= last))
    key = (f"p{project.version}:r{last}:d{docs[0]}/{docs[1]}:v{version}:a{files[0]}/{files[1]}"
           f":m{handed_in[0]}/{handed_in[1]}" + "".join(f":q{n}/{top}" for n, top in requested) + f":c{covering}")
    return Snapshot(key, last)


def collect(project: Project) -> Contents:
    """Read everything the project's dossier holds (no access check: the CLI's operator, or
    ``collect_for``). A document still without its file is a Conflict: try again shortly."""
    items = _items(project)
    issuer = numbering.issuer_settings()["issuer"]
    with force_locale("zh_CN"):  # the archive speaks Chinese, whoever exports it
        titles = {(kind, e.id): f"{kind_label(kind)}：{title_of(kind, e)}" for kind, es in items.items() for e in es}
        attached = _attachments(project)
        handed_in = _materials(project, titles, {a.path for a in attached})
        stored = (_documents(items, titles, issuer) + attached + handed_in
                  + _request_files(items, titles, {m.path for m in attached + handed_in}))
        records = list(db.session.scalars(sa.select(AuditRecord).where(of_items(AuditRecord, items))
                                          .order_by(AuditRecord.id)))
        attach(records, "actor", User, "actor_id")
        history = tuple(_history_entry(r, titles) for r in records)
    app = project.application
    record = (("项目编号", project.code), ("题名", project.name), ("申报单位", project.organisation.name),
              ("立项批次", app.batch.name if app.batch else ""), ("批准预算", f"{project.approved_budget} 万元"),
              ("建设期", f"{project.starts_on.isoformat()}/{project.ends_on.isoformat()}"),
              ("项目状态", project.state.zh), ("立卷单位", issuer))
    covering = checkpoints.checkpoints_covering([r.id for r in records])[:1]
    return Contents(project.code, project.name, record, tuple(stored), history,
                    tuple({"id": r.id, "fields": audit.fields_of(r), "prev_hash": r.prev_hash, "hash": r.hash}
                          for r in records), issuer, tuple(checkpoints.store_line(c) for c in covering))


def _documents(items: dict[str, list], titles: dict, issuer: str) -> list[Member]:
    docs = db.session.scalars(sa.select(IssuedDocument).where(of_items(IssuedDocument, items))
                              .options(sa.orm.selectinload(IssuedDocument.versions)).order_by(IssuedDocument.id))
    members = []
    for doc in docs:
        if not doc.versions:
            raise issuing.StillRendering(doc)
        spec = issuing.KINDS[doc.kind]
        members.append(Member(
            f"documents/{doc.year}-{doc.seq:04d}-{doc.kind}.pdf", "document", doc.current.sha256, "document",
            (("题名", doc.title), ("文号", doc.number), ("文种", spec.zh), ("责任者", issuer),
             ("形成日期", beijing(doc.issued_at)[:10]), ("所属事项", titles.get((doc.entity_type, doc.entity_id), "")),
             ("版本", f"{doc.current.position}/{len(doc.versions)}"), ("定稿", "是" if doc.finalised_at else "否"),
             ("格式", "PDF"))))
    return members


def _attachments(project: Project) -> list[Member]:
    rows = db.session.scalars(sa.select(Attachment).where(Attachment.application_id == project.application_id)
                              .order_by(Attachment.id))
    return _filed(rows, ATTACHMENT_KINDS)


def _materials(project: Project, titles: dict, taken: set[str]) -> list[Member]:
    """The materials handed in with the project's stages (进展报告, 竣工报告 …): stored like
    attachments, filed under the item they came with."""
    rows = db.session.scalars(sa.select(Material).where(Material.project_id == project.id).order_by(Material.id))
    return _filed(rows, MATERIAL_KINDS, lambda m: titles.get((m.stage, m.stage_id), ""), taken)


def _request_files(items: dict[str, list], titles: dict, taken: set[str]) -> list[Member]:
    """The files handed in with the project's change requests (变更/延期申请) and follow-on
    funding requests (后续资金申请), filed under the request they came with."""
    members: list[Member] = []
    for kind, table, column, words in REQUEST_FILES:
        rows = db.session.scalars(sa.select(table).where(getattr(table, column).in_([e.id for e in items[kind]]))
                                  .order_by(table.id))
        members += _filed(rows, words, lambda a, k=kind, c=column: titles.get((k, getattr(a, c)), ""),
                          taken | {m.path for m in members})
    return members


def _filed(rows, words: dict, item=None, taken: set[str] = frozenset()) -> list[Member]:
    """Stored files as archive members under their stored names, each once (the same bytes
    attached twice, or carried to a new round, are one file; ``taken``: already in the archive):
    its name, its kind in words, the item it came with (``item``, when given), when and what."""
    members: dict[str, Member] = {}
    for f in rows:
        path = f"attachments/{f.sha256}.{EXTENSIONS.get(f.content_type, 'bin')}"
        if path in members or path in taken:
            continue
        metadata = (("题名", f.display_name), ("附件类别", words.get(f.kind, (f.kind,))[0]))
        if item is not None:
            metadata += (("所属事项", item(f)),)
        members[path] = Member(path, "attachment", f.sha256, "attachment",
                               metadata + (("形成日期", beijing(f.uploaded_at)), ("格式", f.content_type)))
    return list(members.values())


def checkpoint_path(seq: int) -> str:
    return f"{package.CHECKPOINTS}checkpoint-{seq}.json"


def beijing(moment: datetime) -> str:
    """A stored moment as Beijing time, e.g. 2026-05-01 09:30:00."""
    return clock.beijing(moment, "%Y-%m-%d %H:%M:%S")


def _history_entry(rec: AuditRecord, titles: dict) -> dict:
    return {"record_id": rec.id, "time": beijing(rec.created_at), "item_type": rec.entity_type,
            "item_id": rec.entity_id, "item": titles.get((rec.entity_type, rec.entity_id), ""),
            "trigger": rec.trigger, "step": trigger_label(rec.entity_type, rec.trigger),
            "from_state": rec.from_state, "from": state_label(rec.entity_type, rec.from_state),
            "to_state": rec.to_state, "to": state_label(rec.entity_type, rec.to_state),
            "actor_id": rec.actor_id, "actor": record_actor(rec) if rec.actor else "系统",
            "organisation": rec.actor.organisation.name if rec.actor and rec.actor.organisation else "",
            "role_code": rec.actor_role, "role": role_label(rec.actor_role), "opinion": rec.opinion}


# --- building (no transaction) -----------------------------------------------------------------
def _stored_bytes(member: Member) -> bytes:
    if member.source == "document":
        return storage.get(member.sha256)
    path = storage_path(member.sha256)
    data = path.read_bytes() if path.is_file() else None
    if data is None or hashlib.sha256(data).hexdigest() != member.sha256:
        raise Conflict(str(_l("A stored attachment of this project is missing or damaged (%(name)s).",
                              name=member.path)))
    return data


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode()


def history_pdf(contents: Contents, created_at: str) -> bytes:
    """The readable history (WeasyPrint, like the official documents; slow: no transaction)."""
    from app.documents import (
        render,  # late: WeasyPrint loads slowly (workers preload it)
    )

    html = render_template(HISTORY_TEMPLATE, issuer=contents.issuer, code=contents.code, name=contents.name,
                           record=contents.record, history=contents.history, created_at=created_at)
    return render.render_html(html).pdf


def readme(contents: Contents) -> bytes:
    return render_template("documents/dossier_readme.txt", contents=contents, package=package,
                           history_pdf=HISTORY_PDF, history_json=HISTORY_JSON, audit_json=AUDIT_JSON).encode()


def build(contents: Contents) -> bytes:
    """The sealed archive (renders the history PDF and signs: run it with no transaction open)."""
    now = clock.now()
    created_at = now.astimezone(clock.BEIJING).isoformat(timespec="seconds")
    ca = pki.trust_roots()[0]
    seal = pki.load_office_seal()
    files: list[tuple[str, bytes, str, tuple]] = [
        (m.path, _stored_bytes(m), m.category, m.metadata) for m in contents.stored]
    files += [
        (HISTORY_PDF, history_pdf(contents, created_at), "history", (("题名", f"{contents.name} 办理过程记录"),
                                                                     ("格式", "PDF"))),
        (HISTORY_JSON, _json({"project": dict(contents.record), "history": list(contents.history)}), "history",
         (("题名", f"{contents.name} 办理过程记录（机读）"), ("格式", "JSON"))),
        (AUDIT_JSON, _json({"digest_rule": audit.DIGEST_RULE, "genesis": audit.GENESIS,
                            "records": list(contents.audit_records)}), "audit",
         (("题名", "审计记录（哈希链）"), ("格式", "JSON"))),
        (package.CA_CERT, ca.public_bytes(serialization.Encoding.PEM), "trust",
         (("题名", "部署证书颁发机构（CA）证书"), ("格式", "PEM"))),
        (package.README, readme(contents), "readme", (("题名", "封装包说明"), ("格式", "TXT"))),
        *((checkpoint_path(line["seq"]), _json(line), "checkpoint", (("题名", f"审计检查点 {line['seq']}"),
                                                                   ("格式", "JSON")))
          for line in contents.checkpoints),
    ]
    manifest = package.Manifest(
        created_at, contents.issuer, contents.record,
        tuple(package.Entry(path, category, hashlib.sha256(data).hexdigest(), len(data), meta)
              for path, data, category, meta in files),
        ((package.CHECKPOINTS, CHECKPOINTS_NOTE),), seal.organisation, ca.fingerprint(hashes.SHA256()).hex())
    manifest_xml = package.manifest_xml(manifest)
    signature = cms.sign_detached(manifest_xml, seal.certificate_pem,
                                  pki.unwrap_key(seal.encrypted_key_pem, seal.passphrase))
    return package.write_zip([(package.MANIFEST, manifest_xml), (package.SIGNATURE, signature)]
                             + [(path, data) for path, data, _c, _m in files], [package.CHECKPOINTS], now)
