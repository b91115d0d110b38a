"""Detached CMS (PKCS #7, RFC 5652) signatures over a file: made with cryptography's
``PKCS7SignatureBuilder``, checked with asn1crypto + cryptography against the deployment CA —
no database, so an archive can be checked anywhere (``openssl cms -verify`` agrees)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


def sign_detached(data: bytes, certificate_pem: str, key) -> bytes:
    """A detached CMS SignedData (DER) over ``data``: SHA-256, signed attributes (content type,
    signing time, message digest), the signer's certificate included."""
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    return (pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(cert, key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary,
                                               pkcs7.PKCS7Options.NoCapabilities]))


@dataclass(frozen=True)
class CmsReport:
    valid: bool              # intact, covers the data, and chains to a trust root
    covers_data: bool        # the signed message digest is the data's SHA-256
    intact: bool             # the signature over the signed attributes holds
    trusted: bool            # the signer's certificate was issued by a trust root, valid when signed
    signer: str = ""         # the certificate's subject
    signed_at: datetime | None = None
    problem: str = ""


class _Bad(Exception):
    pass


def _signer_certificate(signed_data, signer_info) -> x509.Certificate:
    sid = signer_info["sid"]
    if sid.name != "issuer_and_serial_number":
        raise _Bad("the signer is not named by issuer and serial number")
    wanted = sid.chosen
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if cert.issuer == wanted["issuer"] and cert.serial_number == wanted["serial_number"].native:
            return x509.load_der_x509_certificate(cert.dump())
    raise _Bad("the signer's certificate is not in the signature")


def _attribute(signed_attrs, name: str):
    values = [a["values"][0] for a in signed_attrs if a["type"].native == name]
    return values[0] if values else None


def _check_signature(cert: x509.Certificate, signature: bytes, signed: bytes, algorithm) -> None:
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, signed, ec.ECDSA(algorithm))
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, signed, padding.PKCS1v15(), algorithm)
    else:
        raise _Bad("unsupported signing key")


def _trusted(cert: x509.Certificate, roots: list[x509.Certificate], when: datetime) -> str:
    """'' when ``cert`` is issued by one of ``roots`` and valid at ``when``, else the problem."""
    if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
        return "the signer's certificate was not valid when it signed"
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            return "the signer's certificate is not for signatures"
    except x509.ExtensionNotFound:
        pass
    for root in roots:
        try:
            cert.verify_directly_issued_by(root)
            return ""
        except (ValueError, TypeError, InvalidSignature):
            continue
    return "the signer's certificate was not issued by the trusted CA"


def verify_detached(data: bytes, signature: bytes, roots: list[x509.Certificate]) -> CmsReport:
    """Check a detached CMS signature over ``data``; never raises for any input."""
    try:
        info = asn1_cms.ContentInfo.load(signature, strict=True)
        if info["content_type"].native != "signed_data":
            raise _Bad("not a CMS SignedData")
        signed_data = info["content"]
        signers = signed_data["signer_infos"]
        if len(signers) != 1:
            raise _Bad("expected exactly one signer")
        signer_info = signers[0]
        cert = _signer_certificate(signed_data, signer_info)
        algorithm = HASHES.get(signer_info["digest_algorithm"]["algorithm"].native)
        signed_attrs = signer_info["signed_attrs"]
        if algorithm is None or not signed_attrs:
            raise _Bad("unsupported digest algorithm or no signed attributes")
        digest = hashes.Hash(algorithm)
        digest.update(data)
        message_digest = _attribute(signed_attrs, "message_digest")
        covers = message_digest is not None and message_digest.native == digest.finalize()
        signing_time = _attribute(signed_attrs, "signing_time")
        when = signing_time.native if signing_time is not None else datetime.now(UTC)
        try:
            # The signature is over the DER of the attributes as a SET OF (tag 0x31, not [0]).
            _check_signature(cert, signer_info["signature"].native, b"\x31" + signed_attrs.dump()[1:], algorithm)
            intact = True
        except InvalidSignature:
            intact = False
        trust_problem = _trusted(cert, roots, when)
    except _Bad as exc:
        return CmsReport(False, False, False, False, problem=str(exc))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as exc:
        return CmsReport(False, False, False, False, problem=f"the signature cannot be read ({type(exc).__name__})")
    problems = [p for p in (
        "" if covers else "the signature does not cover this manifest (its digest differs)",
        "" if intact else "the signature value does not match",
        trust_problem) if p]
    return CmsReport(not problems, covers, intact, not trust_problem, cert.subject.rfc4514_string(), when,
                     "; ".join(problems))
