"""`flask pki init|issue` and `flask documents verify|lookup|render-pending`."""
from __future__ import annotations

import sqlalchemy as sa

from app.database import transaction
from app.demo.seed import DEMO_PASSWORD
from app.documents import pki
from app.extensions import db
from app.jobs import queue
from app.models import OutboxMessage
from app.services.documents import issuing
from tests import factories as f
from tests.documents.conftest import flip_byte


def test_pki_init_creates_the_ca_once_and_keeps_it(app, runner, tmp_path):
    app.config["PKI_DIR"] = str(tmp_path / "pki")
    first = runner.invoke(args=["pki", "init"])
    assert first.exit_code == 0 and "created" in first.output and "SHA-256" in first.output
    ca_file = tmp_path / "pki" / pki.CA_FILE
    assert oct(ca_file.stat().st_mode & 0o777) == "0o600" and (tmp_path / "pki" / pki.CA_CERT_FILE).exists()
    fingerprint = pki.load_authority().fingerprint
    again = runner.invoke(args=["pki", "init"])
    assert again.exit_code == 0 and "kept the existing" in again.output and fingerprint in again.output


def test_pki_issue_needs_the_users_own_password(runner):
    wrong = runner.invoke(args=["pki", "issue", "expert2", "--password", "not-it"])
    assert wrong.exit_code == 2 and "password" in wrong.output
    right = runner.invoke(args=["pki", "issue", "expert2", "--password", DEMO_PASSWORD])
    assert right.exit_code == 0 and "issued certificate" in right.output
    applicant = runner.invoke(args=["pki", "issue", "wuhua_applicant", "--password", DEMO_PASSWORD])
    assert applicant.exit_code == 2  # applicants do not sign documents


def test_documents_verify_reports_signers_and_alteration(runner, sealed, tmp_path):
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(sealed["pdf"])
    bad.write_bytes(flip_byte(sealed["pdf"], len(sealed["pdf"]) // 3))
    ok = runner.invoke(args=["documents", "verify", str(good)])
    assert ok.exit_code == 0 and ok.output.startswith("AUTHENTIC")
    assert ok.output.count("— valid") == 4 and "省信息办 (the Office's seal): 云南省信息化工作领导小组办公室" in ok.output
    assert "专家组组长 (panel chair)" in ok.output and ok.output.count("专家 (expert)") == 2
    assert "Beijing time" in ok.output and "expert-" not in ok.output and "office-seal" not in ok.output
    assert sealed["document"].number in ok.output and "locks the document" in ok.output
    altered = runner.invoke(args=["documents", "verify", str(bad)])
    assert altered.exit_code == 1 and ("ALTERED" in altered.output or "DAMAGED" in altered.output)
    looked_up = runner.invoke(args=["documents", "lookup", sealed["document"].number])
    assert looked_up.exit_code == 0 and looked_up.output.startswith("AUTHENTIC")


def test_render_pending_queues_documents_that_have_no_file_and_no_job(runner):
    app_id = f.submitted()
    with queue.held(), transaction():  # its job waits in the outbox
        doc = issuing.issue_application_form(f.user("wuhua_applicant"), app_id)
    waiting = runner.invoke(args=["documents", "render-pending"])
    assert waiting.exit_code == 0 and "queued 0 documents" in waiting.output  # the waiting job is left to the queue
    with transaction():  # as if numbered before the job queue existed: no rendering job
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.kind == issuing.RENDER_JOB))
    db.session.refresh(doc)
    assert doc.versions == []
    first = runner.invoke(args=["documents", "render-pending"])
    assert first.exit_code == 0 and "queued 1 documents" in first.output
    db.session.refresh(doc)
    assert len(doc.versions) == 1  # without a queue the job ran right after the command's commit
    assert "queued 0 documents" in runner.invoke(args=["documents", "render-pending"]).output
