"""The Office's seal on every document it issues, and one real file for each verdict: sealed,
unsigned (the 申报书), altered after signing, signed by a key the deployment does not know, not
a PDF, truncated — and a seal rotation that leaves every older seal verifiable."""
from __future__ import annotations

import io
import shutil
import subprocess

import sqlalchemy as sa
from cryptography import x509

from app.database import transaction
from app.documents import fields, numbering, pki
from app.documents.render import FieldBox
from app.documents.signing import SignRequest, get_signer
from app.documents.verify import (
    ALTERED,
    AUTHENTIC,
    NOT_ISSUED,
    OFFICE_REASON,
    UNREADABLE,
    UNSIGNED,
    UNTRUSTED,
    role_of,
)
from app.extensions import db
from app.models import IssuedDocument, Project
from app.services.documents import issuing
from tests import factories as f
from tests.documents.conftest import current_pdf, flat, flip_byte, pdf_text
from tests.web.web_client import User

OFFICE_KINDS = ("project_approval", "midterm_report", "acceptance_report", "evaluation_report")


def _application_form(application_id: int) -> IssuedDocument:
    with transaction():
        doc = issuing.issue_application_form(f.user("wuhua_applicant"), application_id)
    db.session.refresh(doc)
    return doc


def test_every_office_document_is_sealed_and_the_application_form_is_not(app, runner, tmp_path):
    project_id, _ = f.graded()
    docs = {d.kind: d for d in db.session.scalars(sa.select(IssuedDocument))}
    issuer = numbering.issuer_settings()["issuer"]
    for kind in OFFICE_KINDS:
        pdf = current_pdf(docs[kind])
        result = issuing.verify_file(pdf)
        assert result.verdict == AUTHENTIC and result.ok, (kind, result.problems)
        seal = result.signatures[-1]
        assert role_of(seal) == "office" and seal.signer_name == issuer, kind
        assert seal.locks_document and seal.covers_entire_file and docs[kind].finalised_at is not None, kind
        assert len(result.signatures) == (4 if kind == "acceptance_report" else 1), kind
    # the stamp is drawn, not pasted: no raster image anywhere in a sealed document
    approval = current_pdf(docs["project_approval"])
    (tmp_path / "approval.pdf").write_bytes(approval)
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "approval.pdf")], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert images == []
    # the CLI names the Office's seal, in Beijing time, never the field's id
    out = runner.invoke(args=["documents", "verify", str(tmp_path / "approval.pdf")])
    assert out.exit_code == 0 and out.output.startswith("AUTHENTIC")
    local = issuing.local_time(issuing.verify_file(approval).signatures[0].signed_at)
    assert f"省信息办 (the Office's seal): {issuer} at {local:%Y-%m-%d %H:%M:%S} Beijing time" in out.output
    assert local.utcoffset().total_seconds() == 8 * 3600 and "office-seal" not in out.output

    form = _application_form(db.session.get(Project, project_id).application_id)
    pdf = current_pdf(form)
    assert "本申报书由申报单位填报，系统未加盖电子印章" in flat(pdf_text(pdf))
    result = issuing.verify_file(pdf)
    assert result.verdict == UNSIGNED and not result.signatures and not result.ok
    assert result.match.number == form.number and form.finalised_at is None
    out = runner.invoke(args=["documents", "lookup", form.number])
    assert out.output.startswith("ISSUED, UNSIGNED") and "every signature" not in out.output
    # an unsigned copy with one byte changed is simply not the file the system issued
    changed = issuing.verify_file(flip_byte(pdf, len(pdf) // 2))
    assert changed.verdict in (NOT_ISSUED, UNREADABLE) and changed.match is None


def _stranger_signs(pdf: bytes) -> bytes:
    """A throw-away CA and certificate that claim to be the Office, signing with our own signer."""
    stranger = pki.create_authority("Stranger CA")
    issued = pki.issue_credential(stranger, common_name="云南省信息化工作领导小组办公室", organisation="冒充单位",
                                  uid="stranger", password="stranger-pass")
    with_field = fields.add_signature_fields(pdf, [FieldBox("office-seal", 0, (380, 80, 490, 190))])
    return get_signer().sign(with_field, SignRequest(
        field_name="office-seal", signer_name="云南省信息化工作领导小组办公室", role=OFFICE_REASON,
        certificate_pem=issued.certificate_pem, encrypted_key_pem=issued.encrypted_key_pem,
        password="stranger-pass", lock_document=True, seal=True))


def test_each_verdict_comes_from_a_real_file(app):
    project_id = f.project()
    approval = current_pdf(issuing.latest("project_approval", project_id))
    form = current_pdf(_application_form(db.session.get(Project, project_id).application_id))

    altered = issuing.verify_file(flip_byte(approval, approval.index(b"/ByteRange") // 2))
    assert altered.verdict == ALTERED and not any(s.intact for s in altered.signatures)

    forged = issuing.verify_file(_stranger_signs(form))
    assert forged.verdict == UNTRUSTED and forged.match is None
    sig = forged.signatures[0]
    assert sig.intact and not sig.trusted and role_of(sig) == "unknown"  # its claimed role is not believed
    assert "冒充单位" in forged.problems[0] and "not known" in forged.problems[0]

    assert issuing.verify_file(b"hello, not a pdf").verdict == UNREADABLE
    truncated = issuing.verify_file(approval[: len(approval) * 2 // 3])
    assert truncated.verdict == UNREADABLE and truncated.problems == ["truncated"]

    visitor = User(app)
    page = visitor.post("/verify", {"file": (io.BytesIO(_stranger_signs(form)), "x.pdf")},
                        content_type="multipart/form-data")
    assert page.status_code == 200 and 'data-verdict="untrusted"' in page.text
    assert "office-seal" not in page.text and "Information Office (seal)" not in page.text
    assert "省信息办（电子印章）" not in page.text
    unsigned = visitor.post("/verify", {"file": (io.BytesIO(form), "申报书.pdf")}, content_type="multipart/form-data")
    assert 'data-verdict="unsigned"' in unsigned.text and 'class="badge done"' not in unsigned.text
    for data, reason in ((b"GIF89a not a pdf", ("not a PDF", "不是 PDF")),
                         (approval[:5000], ("incomplete", "不完整"))):
        refused = visitor.post("/verify", {"file": (io.BytesIO(data), "x.pdf")}, content_type="multipart/form-data")
        assert refused.status_code == 400 and "data-verdict" not in refused.text
        assert any(r in refused.text for r in reason), refused.text


def test_after_a_seal_rotation_older_seals_still_verify(app, runner, tmp_path, pki_dir):
    shutil.copytree(pki_dir, tmp_path / "pki")
    app.config["PKI_DIR"] = str(tmp_path / "pki")
    before = issuing.latest("project_approval", f.project())
    old_serial = pki.seal_certificate(pki.load_office_seal()).serial_number
    rotated = runner.invoke(args=["pki", "rotate-seal"])
    assert rotated.exit_code == 0 and "new seal" in rotated.output, rotated.output
    archived = tmp_path / "pki" / f"office-seal-{old_serial:x}.cert.pem"
    assert archived.exists() and "PRIVATE KEY" not in archived.read_text()
    new_serial = pki.seal_certificate(pki.load_office_seal()).serial_number
    assert new_serial != old_serial

    old = issuing.verify_file(current_pdf(before))
    assert old.verdict == AUTHENTIC and old.signatures[0].serial == f"{old_serial:x}"
    after = issuing.latest("project_approval", f.project("kunming_applicant"))
    new = issuing.verify_file(current_pdf(after))
    assert new.verdict == AUTHENTIC and new.signatures[0].serial == f"{new_serial:x}"
    assert x509.load_pem_x509_certificate(archived.read_bytes()).serial_number == old_serial
