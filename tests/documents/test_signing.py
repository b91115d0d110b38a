"""Signatures: three experts in turn (the chair last) and the office's final seal; every
signature validates, and a file changed by one byte — or extended — is reported as altered."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography import x509

from app.database import transaction
from app.demo.seed import DEMO_PASSWORD
from app.documents import numbering, pki, storage
from app.documents.verify import ALTERED, AUTHENTIC, SUPERSEDED
from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import Acceptance, PanelMember, SigningCredential
from app.services.commands import acceptance as svc
from app.services.documents import issuing
from tests import factories as f
from tests.documents.conftest import flip_byte
from workflows.acceptance import AcceptanceState


def test_a_report_signed_by_three_experts_and_the_office_validates_version_by_version(sealed):
    acc = db.session.get(Acceptance, sealed["acceptance_id"])
    result = issuing.verify_file(sealed["pdf"])
    assert result.verdict == AUTHENTIC and result.ok, result.problems
    assert len(result.signatures) == 4 and all(s.bottom_line and s.intact and s.trusted for s in result.signatures)
    experts = [m for m in sorted(acc.members, key=lambda m: (m.is_chair, m.position))]
    # the experts in person, then the Information Office itself (its organisation seal, no person)
    assert [s.signer_name for s in result.signatures] == [m.expert.user.display_name for m in experts] + [
        numbering.issuer_settings()["issuer"]]
    assert result.signatures[2].field_name == issuing.expert_field(next(m for m in acc.members if m.is_chair).position)
    assert all(s.signed_at is not None for s in result.signatures)
    office = result.signatures[-1]
    assert office.covers_entire_file and office.locks_document
    assert not any(s.locks_document for s in result.signatures[:-1])
    assert result.match.number == sealed["document"].number and result.match.finalised
    assert acc.state == AcceptanceState.PASSED
    # every signature made a new immutable version; earlier versions verify as superseded
    doc = sealed["document"]
    assert [v.position for v in doc.versions] == [1, 2, 3, 4, 5]
    assert len({v.sha256 for v in doc.versions}) == 5 and doc.finalised_at is not None
    second = storage.get(doc.versions[1].sha256)
    result = issuing.verify_file(second)
    assert result.verdict == SUPERSEDED and result.match.position == 2 and len(result.signatures) == 1
    path = storage.path_for(doc.current.sha256)
    assert path.name == f"{doc.current.sha256}.pdf" and not path.stat().st_mode & 0o222  # read-only
    with pytest.raises(Conflict):  # a final document takes no further version
        issuing.add_version(doc, sealed["pdf"], None, "after the seal")


def test_a_file_changed_after_signing_is_reported_as_altered(sealed):
    pdf = sealed["pdf"]
    first_sig = pdf.index(b"/ByteRange")
    tampered = flip_byte(pdf, first_sig // 2)  # inside the report as rendered, signed by everyone
    result = issuing.verify_file(tampered)
    assert result.verdict == ALTERED and not result.ok
    assert result.match is None  # not a file the system issued
    assert len(result.signatures) == 4 and not any(s.intact for s in result.signatures)
    # A byte in the zero padding of the seal's /Contents is outside every signed range: each
    # signature still validates, only the digest stored at issue time shows the change.
    padding = pdf.rindex(b"00000>", 0, pdf.rindex(b"/ByteRange"))
    result = issuing.verify_file(flip_byte(pdf, padding))
    assert all(s.bottom_line for s in result.signatures)
    assert result.verdict == ALTERED and not result.ok
    assert any(sealed["document"].number in p for p in result.problems)
    # Bytes appended after the seal: each signature is still intact (pyHanko alone says "valid"),
    # but the last one no longer covers the whole file.
    result = issuing.verify_file(pdf + b"\n% appended after signing\n")
    assert all(s.intact for s in result.signatures)
    assert result.verdict == ALTERED
    assert any("after the last signature" in p for p in result.problems)


def _concluded():
    project_id, acc_id = f.in_acceptance()
    members = f.panel(acc_id)
    for expert, _ in members:
        with transaction():
            svc.submit_scores(expert, acc_id, f.full_scores(0.9))
    chair = next(u for u, c in members if c)
    with transaction():
        svc.conclude(chair, acc_id, {"opinion": "同意通过验收"})
    return acc_id, [u for u, c in members if not c], chair


def test_signing_needs_the_experts_own_password_and_the_report_is_sealed_only_after_all_signed(app):
    acc_id, others, chair = _concluded()
    doc = issuing.latest("acceptance_report", acc_id)
    assert len(doc.versions) == 1  # numbered when the chair concluded, rendered by its job after the commit
    for data in ({}, {"password": "wrong-password"}):
        with pytest.raises(Invalid) as err, transaction():
            svc.sign_report(others[0], acc_id, data)
        assert "password" in err.value.errors
    assert db.session.scalar(sa.select(PanelMember.signed_at).where(PanelMember.acceptance_id == acc_id,
                                                                   PanelMember.signed_at.is_not(None))) is None
    with transaction():
        svc.sign_report(others[0], acc_id, {"password": DEMO_PASSWORD})
    with pytest.raises(Conflict), transaction():  # guard: not every expert has signed
        svc.seal_report(f.user("office"), acc_id, {})
    for user in (others[1], chair):
        with transaction():
            svc.sign_report(user, acc_id, {"password": DEMO_PASSWORD})
    assert db.session.get(Acceptance, acc_id).state == AcceptanceState.SIGNING
    with transaction():  # the office confirms; the seal itself is the job's, after the commit
        svc.seal_report(f.user("office"), acc_id, {})
        assert len(doc.versions) == 4 and doc.finalised_at is None
    db.session.refresh(doc)
    assert db.session.get(Acceptance, acc_id).state == AcceptanceState.PASSED
    assert len(doc.versions) == 5 and doc.finalised_at is not None and doc.current.created_by_id is None


def test_the_office_seal_is_an_organisation_certificate_whose_key_no_person_holds(app):
    seal = pki.load_office_seal()
    cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    assert seal.organisation == numbering.issuer_settings()["issuer"]
    assert cert.issuer == pki.trust_roots()[0].subject
    assert "BEGIN ENCRYPTED PRIVATE KEY" in seal.encrypted_key_pem
    with pytest.raises(pki.WrongPassword):  # not the demo password every person shares
        pki.unwrap_key(seal.encrypted_key_pem, DEMO_PASSWORD)
    assert pki.unwrap_key(seal.encrypted_key_pem, seal.passphrase).public_key() == cert.public_key()
    assert (pki.pki_dir() / pki.SEAL_FILE).stat().st_mode & 0o077 == 0  # readable by the service alone


def test_credentials_carry_non_repudiation_and_keys_open_only_with_the_password(app):
    expert = f.user("expert1")
    credential = db.session.scalar(sa.select(SigningCredential).where(SigningCredential.user_id == expert.id))
    cert = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.content_commitment and usage.digital_signature and not usage.key_cert_sign
    assert cert.issuer == pki.trust_roots()[0].subject
    assert "BEGIN ENCRYPTED PRIVATE KEY" in credential.encrypted_key_pem
    assert "BEGIN PRIVATE KEY" not in credential.encrypted_key_pem
    assert pki.unwrap_key(credential.encrypted_key_pem, DEMO_PASSWORD).public_key() == cert.public_key()
    with pytest.raises(pki.WrongPassword):
        pki.unwrap_key(credential.encrypted_key_pem, DEMO_PASSWORD + "x")


def test_a_password_change_rewraps_the_same_key(app):
    from app.services.documents.signatures import rewrap_signing_key

    expert = f.user("expert4")
    credential = db.session.scalar(sa.select(SigningCredential).where(SigningCredential.user_id == expert.id))
    before = pki.unwrap_key(credential.encrypted_key_pem, DEMO_PASSWORD)
    with pytest.raises(Invalid), transaction():
        rewrap_signing_key(expert, "not-the-old-one", "New#Password2027")
    with transaction():
        assert rewrap_signing_key(expert, DEMO_PASSWORD, "New#Password2027")
    after = pki.unwrap_key(credential.encrypted_key_pem, "New#Password2027")
    assert after.private_numbers() == before.private_numbers()
    with pytest.raises(pki.WrongPassword):
        pki.unwrap_key(credential.encrypted_key_pem, DEMO_PASSWORD)


def test_keys_are_wrapped_at_an_owasp_argon2id_minimum_and_older_parameters_stay_readable(app, monkeypatch):
    from cryptography.hazmat.primitives.asymmetric import ec

    assert (pki.KDF["m"], pki.KDF["t"]) in pki.OWASP_ARGON2ID_MINIMUMS and pki.KDF["p"] == 1
    key = ec.generate_private_key(ec.SECP256R1())
    current = pki.wrap_key(key, "Pass#2026")
    assert current.startswith(f"{pki.KDF_HEADER};m={pki.KDF['m']};t={pki.KDF['t']};p=1;salt=")
    monkeypatch.setattr(pki, "KDF", {"m": 47104, "t": 1, "p": 1})  # a key wrapped before the change
    older = pki.wrap_key(key, "Pass#2026")
    monkeypatch.undo()
    assert older.startswith(f"{pki.KDF_HEADER};m=47104;t=1;p=1;")
    for wrapped in (current, older):
        assert pki.unwrap_key(wrapped, "Pass#2026").private_numbers() == key.private_numbers()
        with pytest.raises(pki.WrongPassword):
            pki.unwrap_key(wrapped, "Pass#2027")
