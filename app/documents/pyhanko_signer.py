"""The built-in signer: PAdES signatures with pyHanko and keys from the deployment CA. The
visible stamp is set in Noto Sans CJK SC, subset by HarfBuzz to the stamp's own characters
(milliseconds, a few KB per signature)."""
from __future__ import annotations

import functools
import subprocess
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import uharfbuzz
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.documents import pki, seal_stamp
from app.documents.fields import field_rects
from app.documents.signing import SignatureReport, SigningFailed, SignRequest

STAMP_FAMILY = "Noto Sans CJK SC"
STAMP_TEXT = "%(signer)s\n%(role)s · 数字签名\n%(when)s\n证书 %(serial)s"
STAMP_RED = (0.7, 0.0, 0.0)
MAX_SIGNATURES = 20  # more than any issued document carries: a file with more is refused at once


@functools.lru_cache(maxsize=4)
def _face(spec: str) -> uharfbuzz.Face:
    """``spec`` is 'path' or 'path:index' (a face in a .ttc collection), or a family name."""
    if not spec.startswith("/"):
        found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", spec], capture_output=True,
                               text=True, check=True).stdout.strip()
        spec = found
    path, _, index = spec.rpartition(":") if spec.rsplit(":", 1)[-1].isdigit() else (spec, "", "0")
    return uharfbuzz.Face(uharfbuzz.Blob.from_file_path(path), int(index))


class _SubsetFont(FontEngineFactory):
    """A font engine over a tiny subset holding just the characters of one stamp."""

    def __init__(self, spec: str, text: str, size: int):
        inp = uharfbuzz.SubsetInput()
        for char in set(text):
            inp.unicode_set.add(ord(char))
        self.data = uharfbuzz.subset(_face(spec), inp).blob.data
        self.size = size

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=BytesIO(self.data), font_size=self.size,
                                obj_stream=obj_stream)


def _asn1_cert(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class PyHankoSigner:
    """PAdES baseline signatures with pyHanko (pyca keys, the deployment CA as trust root)."""

    def __init__(self, trust_roots_loader, *, stamp_font: str = STAMP_FAMILY, timezone: str = "Asia/Shanghai"):
        self._trust_roots_loader = trust_roots_loader
        self._stamp_font = stamp_font
        self._tz = ZoneInfo(timezone)

    @classmethod
    def from_app(cls, app) -> PyHankoSigner:
        return cls(lambda: [_asn1_cert(c) for c in pki.trust_roots(app)],
                   stamp_font=app.config.get("DOCUMENT_STAMP_FONT", STAMP_FAMILY),
                   timezone=app.config.get("DOCUMENT_TIMEZONE", "Asia/Shanghai"))

    def sign(self, pdf: bytes, request: SignRequest) -> bytes:
        fields = field_rects(pdf)
        if request.field_name not in fields:
            raise SigningFailed(f"the document has no signature field {request.field_name!r}")
        if fields[request.field_name][2]:
            raise SigningFailed(f"the field {request.field_name!r} is already signed")
        key = pki.unwrap_key(request.encrypted_key_pem, request.password)  # WrongPassword propagates
        cert = x509.load_pem_x509_certificate(request.certificate_pem.encode())
        params = {"signer": request.signer_name, "role": request.role,
                  "when": datetime.now(self._tz).strftime("%Y-%m-%d %H:%M:%S"),
                  "serial": format(cert.serial_number, "x")[:16]}
        signer = signers.SimpleSigner(
            signing_cert=_asn1_cert(cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            cert_registry=SimpleCertificateStore.from_certs(self._trust_roots_loader()))
        meta = signers.PdfSignatureMetadata(
            field_name=request.field_name, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
            reason=request.role, location=request.location, name=request.signer_name,
            docmdp_permissions=MDPPerm.NO_CHANGES if request.lock_document else None,
            # PDF allows a certification signature only as a document's first signature
            certify=request.lock_document and not any(filled for *_, filled in fields.values()))
        pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=self._style(request, params))
        out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), appearance_text_params=params)
        return out.getvalue()

    def _style(self, request: SignRequest, params: dict):
        """The round red seal for an organisation's seal, a framed text stamp for a person."""
        if request.seal:
            return seal_stamp.seal_style(request.signer_name)
        font = _SubsetFont(self._stamp_font, STAMP_TEXT % params, size=10)
        return TextStampStyle(stamp_text=STAMP_TEXT, border_width=1, border_color=STAMP_RED,
                              text_box_style=TextBoxStyle(font=font, font_size=10, text_color=STAMP_RED))

    def validate(self, pdf: bytes) -> list[SignatureReport]:
        """One report per signature, oldest first; raises ValueError if the PDF cannot be read."""
        try:
            reader = PdfFileReader(BytesIO(pdf), strict=False)
            embedded = list(reader.embedded_signatures)
        except Exception as exc:  # a damaged file: pyHanko raises several kinds
            raise ValueError(f"not a readable PDF: {exc}") from exc
        if len(embedded) > MAX_SIGNATURES:
            raise ValueError(f"not a document of this system: {len(embedded)} signatures")
        context = ValidationContext(trust_roots=self._trust_roots_loader(), allow_fetching=False,
                                    revocation_mode="soft-fail")
        reports = []
        for sig in embedded:
            reports.append(self._report(sig, context))
        return reports

    @staticmethod
    def _report(sig, context) -> SignatureReport:
        name = sig.field_name
        try:
            status = validate_pdf_signature(sig, context)
        except Exception as exc:  # a signature so damaged it cannot even be evaluated
            return SignatureReport(name, "", "", "", None, False, False, False, False, "unknown", False,
                                   problem=f"{type(exc).__name__}: {exc}")
        cert = status.signing_cert
        subject = cert.subject.native if cert is not None else {}
        problems = []
        if not status.intact:
            problems.append("signed bytes changed")
        if not status.trusted:
            problems.append("certificate not trusted")
        level = status.modification_level
        return SignatureReport(
            field_name=name,
            signer_name=subject.get("common_name", ""),
            signer_subject=cert.subject.human_friendly if cert is not None else "",
            serial=format(cert.serial_number, "x") if cert is not None else "",
            signed_at=status.signer_reported_dt,
            intact=bool(status.intact), trusted=bool(status.trusted), bottom_line=bool(status.bottom_line),
            covers_entire_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            modification_level=level.name.lower() if level is not None else "unknown",
            locks_document=sig.docmdp_level == MDPPerm.NO_CHANGES,
            problem="; ".join(problems), reason=str(sig.sig_object.get("/Reason", ""))[:64])
