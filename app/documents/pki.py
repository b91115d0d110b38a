"""The deployment's certificate authority and the signers' credentials (EC P-256 keys whose
private half is stored encrypted under the signer's own password)."""
from __future__ import annotations

import base64
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_FILE = "ca.pem"            # certificate + private key, mode 0600, never in the database
CA_CERT_FILE = "ca-cert.pem"  # the public certificate alone, for anyone who verifies
CA_DAYS, CERT_DAYS = 20 * 365, 3 * 365
# argon2id at one of OWASP's equivalent minimums (19 MiB, 2 passes, 1 lane): measured about twice
# as fast here as the 46 MiB, 1 pass option (a smaller block fits the caches), which keeps a
# signature under 0.2 s. The parameters travel with each key, so keys wrapped under other
# parameters (earlier 46 MiB, 1 pass) stay readable and the cost can rise later.
KDF = {"m": 19456, "t": 2, "p": 1}
OWASP_ARGON2ID_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))  # (KiB, passes), p=1
KDF_HEADER = "Pilotflow-KDF: argon2id"


class WrongPassword(Exception):
    """The password does not unlock this signing key."""


class NoAuthority(Exception):
    """`flask pki init` has not been run for this deployment."""


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | None  # None when only the public certificate is at hand

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex(":").upper()


@dataclass(frozen=True)
class IssuedCredential:
    certificate_pem: str
    encrypted_key_pem: str
    serial: str
    not_after: datetime


def pki_dir(app=None) -> Path:
    """Where the CA lives: PKI_DIR, else $PILOTFLOW_PKI_DIR, else <instance>/pki."""
    from flask import current_app

    app = app or current_app
    configured = app.config.get("PKI_DIR") or os.environ.get("PILOTFLOW_PKI_DIR")
    return Path(configured or Path(app.instance_path) / "pki")


def _ca_passphrase() -> bytes | None:
    from flask import current_app

    value = current_app.config.get("PKI_CA_PASSPHRASE") or os.environ.get("PILOTFLOW_CA_PASSPHRASE")
    return value.encode() if value else None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _name(common_name: str, organisation: str = "", uid: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    if uid:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, uid))
    return x509.Name(attrs)


def _key_usage(*, sign_docs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign_docs, content_commitment=sign_docs, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=not sign_docs,
                         crl_sign=not sign_docs, encipher_only=False, decipher_only=False)


def create_authority(common_name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    subject = _name(common_name, "试点通")
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(sign_docs=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Authority(cert, key)


def ensure_authority(common_name: str = "试点通 文书签名 CA") -> tuple[Authority, bool]:
    """Load the CA, or create it; (authority, created). Safe when several processes race:
    the file appears atomically (link), and the loser loads the winner's CA."""
    path = pki_dir() / CA_FILE
    if path.exists():
        return load_authority(), False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    authority = create_authority(common_name)
    passphrase = _ca_passphrase()
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    key_pem = authority.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ca-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(authority.certificate_pem + key_pem)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return load_authority(), False
    finally:
        os.unlink(tmp)
    (path.parent / CA_CERT_FILE).write_bytes(authority.certificate_pem)
    return authority, True


def load_authority(*, with_key: bool = True) -> Authority:
    path = pki_dir() / CA_FILE
    if not path.exists():
        raise NoAuthority(f"no CA at {path}; run `flask pki init`")
    data = path.read_bytes()
    cert = x509.load_pem_x509_certificate(data)
    key = None
    if with_key:
        start = data.index(b"-----BEGIN", data.index(b"-----END CERTIFICATE-----"))
        key = serialization.load_pem_private_key(data[start:], password=_ca_passphrase())
    return Authority(cert, key)


def trust_roots(app=None) -> list[x509.Certificate]:
    """The certificates a signature must chain to (the deployment CA). Read from the public
    certificate file, so verifying needs no access to the CA's private key."""
    folder = pki_dir(app)
    path = folder / CA_CERT_FILE if (folder / CA_CERT_FILE).exists() else folder / CA_FILE
    if not path.exists():
        raise NoAuthority(f"no CA at {folder / CA_FILE}; run `flask pki init`")
    return [x509.load_pem_x509_certificate(path.read_bytes())]


# --- a signer's key, wrapped under their password ----------------------------------------------
def _derive(password: str, salt: bytes, m: int, t: int, p: int) -> bytes:
    raw = hash_secret_raw(password.encode(), salt, time_cost=t, memory_cost=m, parallelism=p,
                          hash_len=32, type=Type.ID)
    return base64.b64encode(raw)


def wrap_key(key: ec.EllipticCurvePrivateKey, password: str) -> str:
    """PKCS#8 PEM encrypted with a key derived from the password by argon2id (its parameters
    and salt on the first line): a stolen database yields no usable signing key."""
    salt = secrets.token_bytes(16)
    derived = _derive(password, salt, **KDF)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(derived)).decode()
    params = ";".join(f"{k}={v}" for k, v in KDF.items())
    return f"{KDF_HEADER};{params};salt={base64.b64encode(salt).decode()}\n{pem}"


def unwrap_key(wrapped: str, password: str) -> ec.EllipticCurvePrivateKey:
    header, _, pem = wrapped.partition("\n")
    if not header.startswith(KDF_HEADER):
        raise WrongPassword("unknown key format")
    fields = dict(part.split("=", 1) for part in header.split(";")[1:])
    derived = _derive(password or "", base64.b64decode(fields["salt"]),
                      int(fields["m"]), int(fields["t"]), int(fields["p"]))
    try:
        return serialization.load_pem_private_key(pem.encode(), password=derived)
    except (ValueError, TypeError):
        raise WrongPassword("the password does not unlock the signing key") from None


def issue_credential(authority: Authority, *, common_name: str, organisation: str, uid: str,
                     password: str) -> IssuedCredential:
    """A signing certificate (digital signature + non-repudiation) for one person."""
    if authority.key is None:
        raise NoAuthority("the CA's private key is needed to issue certificates")
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(_name(common_name, organisation, uid))
            .issuer_name(authority.certificate.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=CERT_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(sign_docs=True), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(authority.key, hashes.SHA256()))
    return IssuedCredential(certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                            encrypted_key_pem=wrap_key(key, password), serial=format(cert.serial_number, "x"),
                            not_after=cert.not_valid_after_utc)


# --- the Office's own seal (电子公章): an organisation's certificate, not a person's ------------
SEAL_FILE = "office-seal.pem"          # certificate + wrapped key, mode 0600, never in the database
SEAL_PASSPHRASE_FILE = "office-seal.pass"  # the wrapping key when OFFICE_SEAL_PASSPHRASE is not set


@dataclass(frozen=True)
class Seal:
    certificate_pem: str
    encrypted_key_pem: str
    passphrase: str
    organisation: str


def _seal_passphrase(folder: Path) -> str:
    from flask import current_app

    configured = current_app.config.get("OFFICE_SEAL_PASSPHRASE") or os.environ.get("PILOTFLOW_OFFICE_SEAL_PASSPHRASE")
    if configured:
        return configured
    path = folder / SEAL_PASSPHRASE_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def ensure_office_seal(organisation: str) -> tuple[Seal, bool]:
    """The Information Office's seal: a certificate in the organisation's name from the
    deployment CA, its key wrapped under a passphrase from configuration or a file beside it
    (never in the database, never a person's password); (seal, created)."""
    folder = pki_dir()
    path = folder / SEAL_FILE
    if path.exists():
        return load_office_seal(), False
    try:
        _write_seal(organisation, replace=False)
    except FileExistsError:  # another process made it first: theirs stands
        return load_office_seal(), False
    return load_office_seal(), True


def _write_seal(organisation: str, *, replace: bool) -> None:
    """A new seal certificate from the deployment CA, written atomically as SEAL_FILE (mode
    0600): linked into place (FileExistsError if one is there) or, when ``replace``, renamed
    over the old one."""
    folder = pki_dir()
    authority, _ = ensure_authority()
    issued = issue_credential(authority, common_name=organisation, organisation=organisation,
                              uid="office-seal", password=_seal_passphrase(folder))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".seal-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(issued.certificate_pem + issued.encrypted_key_pem)
        if replace:
            os.replace(tmp, folder / SEAL_FILE)
        else:
            os.link(tmp, folder / SEAL_FILE)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def seal_certificate(seal: Seal) -> x509.Certificate:
    return x509.load_pem_x509_certificate(seal.certificate_pem.encode())


def rotate_office_seal(organisation: str) -> tuple[Seal, Path]:
    """Replace the Office's seal key and certificate. The old certificate stays in PKI_DIR
    (``office-seal-<serial>.cert.pem``, public); its key is gone. Documents it sealed keep
    validating: trust is the CA, not the seal's certificate. Returns (new seal, archived file)."""
    old = load_office_seal()
    serial = format(seal_certificate(old).serial_number, "x")
    archived = pki_dir() / f"office-seal-{serial}.cert.pem"
    archived.write_text(old.certificate_pem)
    _write_seal(organisation or old.organisation, replace=True)
    return load_office_seal(), archived


def _seal_file() -> tuple[str, str]:
    """The seal file's certificate (PEM) and wrapped key."""
    path = pki_dir() / SEAL_FILE
    if not path.exists():
        raise NoAuthority(f"no office seal at {path}; run `flask pki init`")
    data = path.read_text()
    split = data.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----\n")
    return data[:split], data[split:]


def load_office_seal() -> Seal:
    folder = pki_dir()
    certificate_pem, wrapped = _seal_file()
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    organisation = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return Seal(certificate_pem, wrapped, _seal_passphrase(folder),
                organisation[0].value if organisation else "")


def seal_sign(data: bytes) -> tuple[bytes, str]:
    """A detached ECDSA-SHA256 signature of ``data`` by the Office seal, and the seal's
    certificate (PEM): anyone holding the CA's certificate can check it offline."""
    seal = load_office_seal()
    key = unwrap_key(seal.encrypted_key_pem, seal.passphrase)
    return key.sign(data, ec.ECDSA(hashes.SHA256())), seal.certificate_pem


@dataclass(frozen=True)
class SealCheck:
    """Checks signatures claimed to be the Office seal's (certificates read once)."""

    seals: tuple[x509.Certificate, ...]  # the current seal's certificate and every retired one's
    roots: tuple[x509.Certificate, ...]

    def problem(self, data: bytes, signature: bytes, certificate_pem: str) -> str:
        """"" when ``signature`` over ``data`` is the Office seal's (the current one or one retired
        by ``rotate_office_seal``), from the deployment CA."""
        try:
            cert = x509.load_pem_x509_certificate(certificate_pem.encode())
        except ValueError:
            return "its certificate cannot be read"
        if cert not in self.seals:
            return "its certificate is not the Office seal's"
        if not any(_issued_by(cert, root) for root in self.roots):
            return "its certificate is not from the deployment's CA"
        try:
            cert.public_key().verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "the Office seal's signature does not match it"
        return ""


def _issued_by(cert: x509.Certificate, root: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def seal_check() -> SealCheck:
    """The Office seal's certificates (current and retired) and the trust roots, for checking
    many signatures; needs neither the seal's passphrase nor the CA's key."""
    certificate_pem, _ = _seal_file()
    retired = sorted(pki_dir().glob("office-seal-*.cert.pem"))
    seals = [x509.load_pem_x509_certificate(certificate_pem.encode())]
    seals += [x509.load_pem_x509_certificate(path.read_bytes()) for path in retired]
    return SealCheck(tuple(seals), tuple(trust_roots()))
