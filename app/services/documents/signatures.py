"""Signing credentials and the signatures on the acceptance report: each panel expert in turn
(the chair last), then the office's final seal that locks the document (the Office's other
documents are sealed as they are rendered: ``issuing.lay_out``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.documents import numbering, pki, storage
from app.documents.signing import SigningFailed, SignRequest, get_signer
from app.documents.verify import CHAIR_REASON, EXPERT_REASON
from app.errors import Conflict, Denied, Invalid
from app.extensions import db
from app.models import (
    Acceptance,
    DocumentVersion,
    IssuedDocument,
    PanelMember,
    Role,
    SigningCredential,
    User,
    UserRole,
)
from app.models.base import utcnow
from app.passwords import verify_password
from app.services.documents import issuing
from app.services.records import checkpoints, outbox

SIGNER_ROLES = (Role.EXPERT, Role.OFFICE_REVIEWER, Role.LEADER)


def enrol_signer(user: User, password: str, *, check_password: bool = True) -> SigningCredential:
    """Issue (or re-issue) ``user``'s certificate; the key is wrapped under their own password,
    which must be their sign-in password so that only they can unlock it."""
    if not any(user.has_role(r) for r in SIGNER_ROLES):
        raise Denied(str(_l("Only experts and the Information Office sign documents.")))
    if check_password and not verify_password(user.password_hash, password or ""):
        raise Invalid({"password": str(_l("This is not the user's password."))})
    authority = pki.load_authority()
    issued = pki.issue_credential(authority, common_name=user.display_name, organisation=user.organisation.name,
                                  uid=user.username, password=password)
    credential = db.session.scalar(sa.select(SigningCredential).where(SigningCredential.user_id == user.id))
    if credential is None:
        credential = SigningCredential(user_id=user.id)
        db.session.add(credential)
    credential.certificate_pem, credential.encrypted_key_pem = issued.certificate_pem, issued.encrypted_key_pem
    credential.serial, credential.not_after, credential.created_at = issued.serial, issued.not_after, utcnow()
    db.session.flush()
    return credential


def rewrap_signing_key(user: User, old_password: str, new_password: str) -> bool:
    """Call when a signer changes their password: the same key, now wrapped under the new one.
    Returns False when the user has no credential (nothing to do)."""
    credential = db.session.scalar(sa.select(SigningCredential).where(SigningCredential.user_id == user.id))
    if credential is None:
        return False
    try:
        key = pki.unwrap_key(credential.encrypted_key_pem, old_password)
    except pki.WrongPassword:
        raise Invalid({"password": str(_l("The password does not unlock your signing key."))}) from None
    credential.encrypted_key_pem = pki.wrap_key(key, new_password)
    return True


def ensure_signers(password: str) -> int:
    """Demo set-up: the CA exists and every signer without a certificate gets one; returns how
    many were issued. (Every demo account shares the demo password.)"""
    pki.ensure_authority()
    pki.ensure_office_seal(numbering.issuer_settings()["issuer"])
    have = sa.select(SigningCredential.user_id)
    users = db.session.scalars(sa.select(User).join(UserRole).where(
        UserRole.role.in_(SIGNER_ROLES), User.active, User.id.not_in(have)).distinct().order_by(User.id)).all()
    for user in users:
        enrol_signer(user, password, check_password=False)
    return len(users)


def _credential(actor: User) -> SigningCredential:
    credential = db.session.scalar(sa.select(SigningCredential).where(SigningCredential.user_id == actor.id))
    if credential is None:
        raise Invalid({"password": str(_l("You have no signing certificate yet; ask the administrator to enrol you."))})
    not_after = credential.not_after if credential.not_after.tzinfo else credential.not_after.replace(tzinfo=timezone.utc)
    if not_after <= datetime.now(timezone.utc):
        raise Invalid({"password": str(_l("Your signing certificate has expired; ask to be enrolled again."))})
    return credential


def _report_document(acceptance: Acceptance) -> IssuedDocument:
    doc = issuing.latest("acceptance_report", acceptance.id)
    if doc is None:
        raise Conflict(str(_l("The acceptance report has not been issued yet.")))
    if not doc.versions:
        raise issuing.StillRendering(doc)
    return doc


def _signed(pdf: bytes, request: SignRequest) -> bytes:
    try:
        return get_signer().sign(pdf, request)
    except pki.WrongPassword:
        raise Invalid({"password": str(_l("The password does not unlock your signing key."))}) from None
    except SigningFailed as exc:
        raise Conflict(str(exc)) from None


@dataclass(frozen=True)
class Signed:
    """A new version made outside any transaction, on top of version ``base`` of a document."""

    document_id: int
    base: int
    pdf: bytes


@dataclass(frozen=True)
class SignPlan:
    """What signing needs, read from the database; ``make`` needs no database at all."""

    document_id: int
    base: int
    sha256: str
    request: SignRequest
    must_be_signed: tuple[str, ...] = ()  # fields that must carry a valid signature first

    def make(self) -> Signed:
        """Sign (most of a second): call it with no transaction open."""
        pdf = storage.get(self.sha256)
        if self.must_be_signed:
            valid = {r.field_name for r in get_signer().validate(pdf) if r.bottom_line}
            missing = [f for f in self.must_be_signed if f not in valid]
            if missing:
                raise Conflict(str(_l("Not every expert's signature on the report validates (%(n)d missing).",
                                      n=len(missing))))
        return Signed(self.document_id, self.base, _signed(pdf, self.request))


def expert_signature(acceptance: Acceptance, member: PanelMember, actor: User, password: str) -> SignPlan:
    """The plan of the expert's PAdES signature in their own field over the report's current
    version; ``record_signature`` keeps what ``make`` returns, in the deciding transaction."""
    if not password:
        raise Invalid({"password": str(_l("Enter your password to sign."))})
    doc = _report_document(acceptance)
    credential = _credential(actor)
    request = SignRequest(field_name=issuing.expert_field(member.position), signer_name=actor.display_name,
                          role=CHAIR_REASON if member.is_chair else EXPERT_REASON,
                          certificate_pem=credential.certificate_pem,
                          encrypted_key_pem=credential.encrypted_key_pem, password=password, lock_document=False)
    return SignPlan(doc.id, doc.current.position, doc.current.sha256, request)


def record_signature(signed: Signed, actor: User, note: str) -> DocumentVersion:
    """Keep a prepared signature as the document's next version, if nobody added one since it
    was prepared (the document row is locked; otherwise Conflict: sign again)."""
    doc = db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.id == signed.document_id)
                            .with_for_update())
    db.session.refresh(doc, ["versions"])
    if doc.current is None or doc.current.position != signed.base:
        raise Conflict(str(_l("Someone signed the report first; reload it and sign again.")))
    return issuing.add_version(doc, signed.pdf, actor, note)


def seal_request(acceptance: Acceptance) -> None:
    """The Office confirmed the report: its seal is applied by a job (``office_seal``)."""
    doc = _report_document(acceptance)
    outbox.enqueue(issuing.SEAL_JOB, {"document_id": doc.id})


def office_seal(document_id: int) -> SignPlan | None:
    """The plan of the Office's own seal over the report (its organisation certificate, never a
    person's), valid only once every expert's signature validates; None when sealed already."""
    doc = db.session.get(IssuedDocument, document_id)
    if doc is None or doc.finalised_at is not None:
        return None
    acceptance = db.session.get(Acceptance, doc.entity_id)
    return SignPlan(doc.id, doc.current.position, doc.current.sha256, issuing.office_seal_request(),
                    tuple(issuing.expert_field(m.position) for m in acceptance.members))


def record_seal(signed: Signed) -> DocumentVersion | None:
    """Keep the seal as the final version (idempotent: a sealed report is left alone)."""
    doc = db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.id == signed.document_id)
                            .with_for_update())
    if doc.finalised_at is not None:
        return None
    version = record_signature(signed, None, "sealed by the Office")
    doc.finalised_at = utcnow()
    checkpoints.request("sealed")  # the audit trail is anchored with every sealed document
    db.session.flush()
    return version
