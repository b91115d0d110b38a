"""Attachments (建设方案, budget sheets…): stored content-addressed under UPLOAD_DIR by SHA-256,
typed by their magic bytes (never by the client's name or header), and only added to or
removed from an applicant's own draft or returned application. Downloads are scoped.

Files are written before the caller commits: a rolled-back upload leaves an unreferenced,
content-addressed file behind, which is harmless (the same bytes are reused next time).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Application, Attachment, User
from app.services.commands.applications import require_editable
from app.services.engine.loading import load_visible
from app.services.records import audit
from app.sizes import file_size

CHUNK = 64 * 1024

# kind -> (Chinese, English)
KINDS = {
    "construction_plan": ("建设方案", "Construction plan"),
    "budget": ("预算表", "Budget sheet"),
    "feasibility": ("可行性研究报告", "Feasibility study"),
    "other": ("其他材料", "Other material"),
}

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
    "zip": "application/zip",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc and .xls


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def detect_type(path: Path, client_name: str) -> str | None:
    """The file type ('pdf', 'docx', …) judged from the bytes; None if not an allowed type."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(_OLE):  # both legacy Office formats share the container: trust the name between them
        return "xls" if _extension(client_name) in ("xls", "xlt") else "doc"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    return None


# The extensions a file of each type may be named with; any other is replaced by the type's own.
EXTENSIONS = {"pdf": ("pdf",), "doc": ("doc", "dot"), "xls": ("xls", "xlt"), "docx": ("docx",),
              "xlsx": ("xlsx",), "jpg": ("jpg", "jpeg", "jpe"), "png": ("png",), "zip": ("zip",)}
_LOOKS_LIKE_EXTENSION = re.compile(r"[A-Za-z0-9]{1,5}")
NAME_LIMIT = 200


def clean_display_name(name: str | None, file_type: str) -> str:
    """The client's file name for display and download: no directories, no control characters,
    and named as what its bytes are: a PDF sent as ``x.exe`` or ``x`` is ``x.pdf``, and a name
    of dots alone (``..``) is ``attachment.pdf``."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    stem, dot, extension = name.rpartition(".")
    if not dot or not _LOOKS_LIKE_EXTENSION.fullmatch(extension):
        stem, extension = name, ""  # ("报告 v1.2 终稿": no extension to replace)
    if extension.lower() not in EXTENSIONS[file_type]:
        extension = file_type
    stem = stem.strip(". ")[:NAME_LIMIT - len(extension) - 1].strip() or "attachment"
    return f"{stem}.{extension}"


def storage_path(sha256: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / sha256[:2] / sha256


def _store(stream: BinaryIO, limit: int) -> StoredFile:
    """Copy the stream to a temporary file while hashing it; refuse it past ``limit`` bytes."""
    root = Path(current_app.config["UPLOAD_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    hasher, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Invalid({"file": str(_l("The file is larger than %(size)s.",
                                                  size=file_size(limit)))})
                hasher.update(chunk)
                out.write(chunk)
        return StoredFile(hasher.hexdigest(), size, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _editable_application(actor: User, application_id: int) -> Application:
    app = load_visible(Application, application_id, actor)
    require_editable(actor, app, _l("Attachments can be changed only on drafts and returned applications."))
    return app


@dataclass(frozen=True)
class Upload:
    """A checked upload, stored under its SHA-256: what an attachment or material row records."""

    sha256: str
    size: int
    content_type: str
    display_name: str


def store_upload(filename: str | None, stream: BinaryIO, field: str = "file") -> Upload:
    """Store an uploaded file content-addressed, refusing one too large, empty or of a type not
    accepted (judged from its bytes), the errors naming ``field`` — the one check of every upload,
    whatever it belongs to (an application, a change or funding request, a stage's materials)."""
    try:
        stored = _store(stream, current_app.config["UPLOAD_MAX_BYTES"])
    except Invalid as exc:
        raise Invalid({field: message for message in exc.errors.values()}) from None
    try:
        if stored.size == 0:
            raise Invalid({field: str(_l("The file is empty."))})
        file_type = detect_type(stored.path, filename or "")
        if file_type is None:
            raise Invalid({field: str(_l("Only PDF, Word, Excel, JPEG, PNG and ZIP files are accepted."))})
        final = storage_path(stored.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            stored.path.unlink()
        else:
            os.replace(stored.path, final)
    finally:
        stored.path.unlink(missing_ok=True)
    return Upload(stored.sha256, stored.size, CONTENT_TYPES[file_type], clean_display_name(filename, file_type))


def add_attachment(actor: User, application_id: int, kind: str, filename: str | None,
                   stream: BinaryIO) -> Attachment:
    """Store an uploaded file for the actor's own draft or returned application."""
    if kind not in KINDS:
        raise Invalid({"kind": str(_l("Choose the kind of attachment."))})
    app = _editable_application(actor, application_id)
    return attach_file(actor, "application", app, Attachment, "application_id", kind, KINDS, filename, stream)


def attach_file(actor: User, entity_type: str, entity, row: type, owner_column: str, kind: str, kinds: dict,
                filename: str | None, stream: BinaryIO):
    """Store an uploaded file as a ``row`` of ``entity`` (through its ``owner_column``), of one of
    ``kinds``, audited as "attach" on the item — every item's attachments (an application's, a
    change request's, a follow-on funding request's) go through here."""
    if kind not in kinds:
        raise Invalid({"kind": str(_l("Choose the kind of attachment."))})
    upload = store_upload(filename, stream)
    attachment = row(**{owner_column: entity.id}, kind=kind, display_name=upload.display_name, sha256=upload.sha256,
                     size=upload.size, content_type=upload.content_type, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(entity_type=entity_type, entity_id=entity.id, trigger="attach", actor=actor, role="applicant",
                 from_state=entity.state.value, to_state=entity.state.value,
                 payload={"attachment_id": attachment.id, "kind": kind, "name": attachment.display_name,
                          "sha256": upload.sha256, "size": upload.size})
    return attachment


def _attachment(attachment_id: int, application_id: int | None) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or (application_id is not None and attachment.application_id != application_id):
        raise NotFound(f"attachments {attachment_id}")
    return attachment


def detach_file(actor: User, entity_type: str, entity, attachment):
    """Remove an item's attached file row, audited as "detach" on the item (the history keeps its
    name and digest; the stored bytes stay, as other rows may hold them) — ``attach_file``'s undo
    for every kind of item. The caller has checked that the actor may."""
    db.session.delete(attachment)
    db.session.flush()
    audit.record(entity_type=entity_type, entity_id=entity.id, trigger="detach", actor=actor, role="applicant",
                 from_state=entity.state.value, to_state=entity.state.value,
                 payload={"attachment_id": attachment.id, "name": attachment.display_name,
                          "sha256": attachment.sha256})
    return attachment


def remove_attachment(actor: User, attachment_id: int, application_id: int | None = None) -> Attachment:
    """Detach a file from the actor's own draft or returned application (the history keeps it)."""
    attachment = _attachment(attachment_id, application_id)
    return detach_file(actor, "application", _editable_application(actor, attachment.application_id), attachment)


def list_attachments(actor: User, application_id: int) -> list[Attachment]:
    return list(load_visible(Application, application_id, actor).attachments)


def open_attachment(actor: User, attachment_id: int,
                    application_id: int | None = None) -> tuple[Attachment, Path]:
    """The attachment and where its bytes are, if the actor may see its application."""
    attachment = _attachment(attachment_id, application_id)
    load_visible(Application, attachment.application_id, actor)
    path = storage_path(attachment.sha256)
    if not path.is_file():
        raise NotFound(f"attachments {attachment_id} (file missing)")
    return attachment, path
