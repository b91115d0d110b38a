"""Checking a dossier archive (``dossier.py`` makes them): the manifest's seal chains to the
deployment CA and covers the manifest; every member matches the manifest (naming each file
altered, added or removed); each document's own PDF signatures hold; each audit record's hash
follows from its fields and is the one the chain holds. Also the one entry point for an
uploaded file, PDF or ZIP (``verify_upload``)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.documents import cms, package, pki
from app.documents.verify import (
    ALTERED,
    AUTHENTIC,
    SUPERSEDED,
    UNREADABLE,
    Verification,
)
from app.errors import Invalid
from app.extensions import db
from app.models import AuditRecord
from app.services.documents import issuing
from app.services.documents.dossier import AUDIT_JSON
from app.services.records import audit

INTACT, CHANGED, MISSING, ADDED = "intact", "altered", "missing", "added"


@dataclass(frozen=True)
class MemberCheck:
    path: str
    status: str              # intact, altered, missing, added
    expected_sha256: str = ""
    actual_sha256: str = ""


@dataclass(frozen=True)
class DocumentCheck:
    path: str
    number: str
    verdict: str             # the PDF's own verdict (app.documents.verify)
    problems: list[str] = field(default_factory=list)


@dataclass
class DossierReport:
    """The verdict on an archive: AUTHENTIC when everything holds, else ALTERED with problems
    naming what failed. Shaped like ``Verification`` (``match``, ``signatures``) so one
    response schema serves both; ``dossier`` is the archive-specific part."""

    sha256: str
    verdict: str
    seal: cms.CmsReport
    project: dict[str, str]
    created_at: str
    members: list[MemberCheck]
    documents: list[DocumentCheck]
    audit_checked: int
    audit_failed: list[int]
    problems: list[str]
    match = None
    signatures: tuple = ()

    @property
    def ok(self) -> bool:
        return self.verdict == AUTHENTIC

    @property
    def dossier(self) -> DossierReport:
        return self


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _members(manifest: package.Manifest, files: dict[str, bytes]) -> list[MemberCheck]:
    checks = []
    for entry in manifest.entries:
        data = files.get(entry.path)
        if data is None:
            checks.append(MemberCheck(entry.path, MISSING, entry.sha256))
        else:
            actual = _sha(data)
            checks.append(MemberCheck(entry.path, INTACT if actual == entry.sha256 and len(data) == entry.size
                                      else CHANGED, entry.sha256, actual))
    listed = {e.path for e in manifest.entries} | package.UNLISTED
    checks += [MemberCheck(path, ADDED, "", _sha(data)) for path, data in sorted(files.items()) if path not in listed]
    return checks


def _seal(manifest_xml: bytes, signature: bytes | None) -> cms.CmsReport:
    if signature is None:
        return cms.CmsReport(False, False, False, False, problem=f"the archive has no {package.SIGNATURE}")
    try:
        roots = pki.trust_roots()
    except pki.NoAuthority:
        return cms.CmsReport(False, False, False, False, problem="this deployment has no CA to check against")
    return cms.verify_detached(manifest_xml, signature, roots)


def _documents(manifest: package.Manifest, files: dict[str, bytes]) -> list[DocumentCheck]:
    entries = [e for e in manifest.entries if e.category == "document" and e.path in files]
    if len(entries) > current_app.config["DOSSIER_MAX_DOCUMENTS"]:
        raise package.BadArchive(f"the manifest lists more than {current_app.config['DOSSIER_MAX_DOCUMENTS']} "
                                 "documents")
    checks = []
    for entry in entries:
        result: Verification = issuing.verify_file(files[entry.path])
        checks.append(DocumentCheck(entry.path, dict(entry.metadata).get("文号", ""), result.verdict,
                                    list(result.problems)))
    return checks


def _audited_ids(files: dict[str, bytes]) -> list[int]:
    try:
        return [int(r["id"]) for r in json.loads(files[AUDIT_JSON])["records"]]
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError, RecursionError):
        return []


def _audit(files: dict[str, bytes]) -> tuple[int, list[int], str]:
    """(records checked, ids whose hash does not follow from their fields or is not the one the
    chain holds, a problem reading the file)."""
    if AUDIT_JSON not in files:
        return 0, [], ""  # a missing member is reported as such
    try:
        claimed = {int(r["id"]): r for r in json.loads(files[AUDIT_JSON])["records"]}
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError, RecursionError):
        return 0, [], f"{AUDIT_JSON} cannot be read"
    failed = []
    for rec_id, rec in claimed.items():
        try:
            if audit.digest_fields(str(rec["prev_hash"]), dict(rec["fields"])) != rec["hash"]:
                failed.append(rec_id)
        except (KeyError, TypeError, ValueError):
            failed.append(rec_id)
    ids = [i for i in claimed if 0 < i < 2**31 and i not in failed]
    held = dict(db.session.execute(sa.select(AuditRecord.id, AuditRecord.hash).where(AuditRecord.id.in_(ids))).all())
    failed += [i for i in ids if held.get(i) != claimed[i]["hash"]]
    return len(claimed), sorted(failed), ""


def _checkpoints(manifest: package.Manifest, files: dict[str, bytes], audited: list[int]) -> list[str]:
    """Problems with the archive's audit checkpoints: each must be signed by the Office seal
    (from the deployment CA) and reach at least the archive's last audit record."""
    problems, seal = [], None
    for entry in (e for e in manifest.entries if e.category == "checkpoint" and e.path in files):
        try:
            line = json.loads(files[entry.path])
            statement = json.loads(line["statement"])
            why = (seal := seal or pki.seal_check()).problem(
                line["statement"].encode(), base64.b64decode(line["signature"], validate=True), line["certificate"])
        except (KeyError, ValueError, TypeError, binascii.Error):
            why = "it cannot be read"
        if not why and audited and int(statement.get("record_id", 0)) < max(audited):
            why = "it does not reach the archive's last audit record"
        if why:
            problems.append(f"{entry.path}: {why}")
    return problems


def verify_dossier(data: bytes) -> DossierReport:
    """Check an archive; BadArchive (with the reason) when it cannot be read as a dossier."""
    cfg = current_app.config
    members = package.read_zip(data, max_members=cfg["DOSSIER_MAX_MEMBERS"], max_total=cfg["DOSSIER_MAX_BYTES"])
    files = members.files
    if package.MANIFEST not in files:
        raise package.BadArchive(f"the archive has no {package.MANIFEST}: it is not a dossier")
    manifest = package.parse_manifest(files[package.MANIFEST])
    seal = _seal(files[package.MANIFEST], files.get(package.SIGNATURE))
    member_checks = _members(manifest, files)
    documents = _documents(manifest, files)
    checked, failed, unreadable = _audit(files)
    problems = [] if seal.valid else [f"{package.SIGNATURE}: {seal.problem}"]
    problems += [f"{m.path}: {m.status}" for m in member_checks if m.status != INTACT]
    problems += [f"{d.path}: {d.verdict}" + (f" ({'; '.join(d.problems)})" if d.problems else "")
                 for d in documents if d.verdict not in (AUTHENTIC, SUPERSEDED)]
    problems += [f"{AUDIT_JSON}: record {i} does not match its hash or the chain" for i in failed]
    problems += [unreadable] if unreadable else []
    problems += _checkpoints(manifest, files, _audited_ids(files))
    return DossierReport(_sha(data), ALTERED if problems else AUTHENTIC, seal, dict(manifest.record),
                         manifest.created_at, member_checks, documents, checked, failed, problems)


def verify_data(data: bytes) -> Verification | DossierReport:
    """A PDF's verification, or a dossier's when the bytes are a ZIP archive; an archive that
    cannot be read as a dossier is Invalid with the reason."""
    if not package.is_zip(data):
        result = issuing.verify_file(data)
        if result.verdict == UNREADABLE:  # not a PDF, truncated, damaged: refused with the reason
            raise Invalid({"file": issuing.unreadable_message(result)})
        return result
    try:
        return verify_dossier(data)
    except package.BadArchive as exc:
        raise Invalid({"file": str(_l("This ZIP archive cannot be checked as a dossier: %(reason)s",
                                      reason=str(exc)))}) from None


def verify_upload(stream) -> Verification | DossierReport:
    """verify_data for an uploaded stream (empty or over the upload limit is Invalid)."""
    return verify_data(issuing.read_upload(stream))
