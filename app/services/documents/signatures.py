"""Signing credentials and the signatures on the acceptance report: each panel expert in turn
(the chair last), then the office's final seal that locks the document."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.documents import pki, storage
from app.documents.signing import SigningFailed, SignRequest, get_signer
from app.errors import Conflict, Denied, Invalid
from app.extensions import db
from app.models import (
    Acceptance,
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
    db.session.scalar(sa.select(IssuedDocument.id).where(IssuedDocument.id == doc.id).with_for_update())
    if not doc.versions:
        issuing.render(doc)
    return doc


def _sign(doc: IssuedDocument, actor: User, password: str, *, field: str, role: str, lock: bool) -> bytes:
    if not password:
        raise Invalid({"password": str(_l("Enter your password to sign."))})
    credential = _credential(actor)
    request = SignRequest(field_name=field, signer_name=actor.display_name, role=role,
                          certificate_pem=credential.certificate_pem,
                          encrypted_key_pem=credential.encrypted_key_pem, password=password, lock_document=lock)
    try:
        return get_signer().sign(storage.get(doc.current.sha256), request)
    except pki.WrongPassword:
        raise Invalid({"password": str(_l("The password does not unlock your signing key."))}) from None
    except SigningFailed as exc:
        raise Conflict(str(exc)) from None


def sign_acceptance_report(acceptance: Acceptance, member: PanelMember, actor: User, password: str):
    """The expert's PAdES signature in their own field, as a new version of the report."""
    doc = _report_document(acceptance)
    field = issuing.expert_field(member.position)
    role = "验收专家组组长" if member.is_chair else "验收专家"
    signed = _sign(doc, actor, password, field=field, role=role, lock=False)
    return issuing.add_version(doc, signed, actor, f"signed {field} by {actor.username}")


def seal_acceptance_report(acceptance: Acceptance, actor: User, password: str):
    """The office's final signature: only when every expert's signature validates; after it the
    document forbids any change, and it is marked final."""
    doc = _report_document(acceptance)
    reports = get_signer().validate(storage.get(doc.current.sha256))
    signed_fields = {r.field_name for r in reports if r.bottom_line}
    missing = [m for m in acceptance.members if issuing.expert_field(m.position) not in signed_fields]
    if missing:
        raise Conflict(str(_l("Not every expert's signature on the report validates (%(n)d missing).",
                              n=len(missing))))
    sealed = _sign(doc, actor, password, field=issuing.OFFICE_SEAL_FIELD, role="省信息办盖章", lock=True)
    version = issuing.add_version(doc, sealed, actor, f"sealed by {actor.username}")
    doc.finalised_at = utcnow()
    db.session.flush()
    return version
