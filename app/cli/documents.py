"""`flask pki …` (the deployment CA, signers' certificates) and `flask documents …` (verify,
render the reserved documents)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app import clock
from app.cli.common import fail, user_named
from app.database import transaction
from app.documents import pki
from app.documents.numbering import issuer_settings
from app.documents.verify import UNREADABLE, role_of
from app.errors import DomainError
from app.services.documents import dossier
from app.services.documents.dossier_check import DossierReport, verify_data
from app.services.documents.issuing import (
    requeue_pending,
    unreadable_message,
    verify_number,
)
from app.services.documents.signatures import enrol_signer

pki_cli = AppGroup("pki", help="The deployment's certificate authority for document signatures.")
documents_cli = AppGroup("documents", help="Issued documents and project dossiers: verification, rendering, export.")


@pki_cli.command("init")
def pki_init() -> None:
    """Create the deployment CA (once; an existing CA is kept)."""
    authority, created = pki.ensure_authority()
    where = pki.pki_dir()
    click.echo(("created" if created else "kept the existing") + f" CA in {where}")
    click.echo(f"  subject:     {authority.certificate.subject.rfc4514_string()}")
    click.echo(f"  SHA-256:     {authority.fingerprint}")
    click.echo(f"  valid until: {clock.beijing(authority.certificate.not_valid_after_utc, '%Y-%m-%d')}")
    click.echo(f"  public certificate for verifiers: {where / pki.CA_CERT_FILE}")
    seal, created = pki.ensure_office_seal(issuer_settings()["issuer"])
    click.echo(("created" if created else "kept") + f" the Office's seal: {_describe_seal(seal)}")


def _describe_seal(seal: pki.Seal) -> str:
    cert = pki.seal_certificate(seal)
    return f"{seal.organisation}, certificate {cert.serial_number:x}, valid until {clock.beijing(cert.not_valid_after_utc, '%Y-%m-%d')}"


@pki_cli.command("rotate-seal")
def pki_rotate_seal() -> None:
    """Issue a new key and certificate for the Office's seal. The old certificate stays in
    PKI_DIR and every document sealed with it still verifies (trust is the CA)."""
    try:
        seal, archived = pki.rotate_office_seal(issuer_settings()["issuer"])
    except pki.NoAuthority as exc:
        fail(exc)
    click.echo(f"new seal: {_describe_seal(seal)}")
    click.echo(f"the previous certificate is kept in {archived}")


@pki_cli.command("issue")
@click.argument("username")
@click.option("--password", prompt="The user's own password", hide_input=True,
              help="The user's sign-in password; it will unlock the signing key.")
def pki_issue(username: str, password: str) -> None:
    """Issue (or renew) USERNAME's signing certificate; the key is wrapped under their password."""
    user = user_named(username)
    try:
        with transaction():
            credential = enrol_signer(user, password)
            serial, not_after = credential.serial, credential.not_after
    except DomainError as exc:
        fail(exc)
    click.echo(f"issued certificate {serial} to {username}, valid until {clock.beijing(not_after, '%Y-%m-%d')}")


@documents_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def documents_verify(file: Path) -> None:
    """Check FILE: a PDF (every signature, and whether it is exactly a file the system issued)
    or a project dossier ZIP (its seal, every member, each document's signatures, the audit
    records). Exit status 0 only for an authentic, current document or an intact dossier; 2
    for a ZIP that cannot be read as a dossier."""
    try:
        result = verify_data(file.read_bytes())
    except DomainError as exc:
        fail(exc)
    for line in describe_dossier(result) if isinstance(result, DossierReport) else describe(result):
        click.echo(line)
    sys.exit(0 if result.ok else 1)


@documents_cli.command("dossier")
@click.argument("project_code")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the ZIP archive.")
def documents_dossier(project_code: str, output: Path) -> None:
    """Export the dossier of project PROJECT_CODE (一项目一档) as a sealed ZIP archive. The
    operator of the server exports any project; on the pages and the API the policy
    dossier_reader decides."""
    try:
        with transaction():
            contents = dossier.collect(dossier.project_by_code(project_code))
        data = dossier.build(contents)
    except DomainError as exc:
        fail(exc)
    output.write_bytes(data)
    click.echo(f"wrote {output} ({len(data)} bytes, {len(contents.stored)} documents and attachments, "
               f"{len(contents.history)} history entries)")


@documents_cli.command("lookup")
@click.argument("number")
def documents_lookup(number: str) -> None:
    """Check the file the system holds for document NUMBER (e.g. 云信办〔2026〕12号)."""
    result = verify_number(number)
    for line in describe(result):
        click.echo(line)
    sys.exit(0 if result.ok else 1)


@documents_cli.command("render-pending")
@click.option("--limit", default=50, show_default=True)
def documents_render_pending(limit: int) -> None:
    """Queue a rendering job for every document numbered but still without a file."""
    with transaction():
        count = requeue_pending(limit)
    click.echo(f"queued {count} documents for rendering")


VERDICTS = {
    "authentic": "AUTHENTIC: issued by the system and sealed; exactly the file it issued, every signature valid.",
    "superseded": "ISSUED, BUT SUPERSEDED: the system issued this file, but a later version (more signatures) exists.",
    "unsigned": "ISSUED, UNSIGNED: exactly the file the system issued; it carries no signature or seal.",
    "altered": "ALTERED: this file was changed after it was signed.",
    "untrusted": "UNKNOWN SIGNER: the signatures are intact, but this deployment does not know who made them.",
    "not_issued": "NOT ISSUED HERE: the system never issued this file.",
    "unreadable": "UNREADABLE: the file cannot be read as a PDF.",
    "not_found": "NOT FOUND: no document has that number.",
}
KIND_NAMES = {"application_form": "申报书 (application form)", "project_approval": "立项批复 (project approval)",
              "midterm_report": "中期检查意见 (mid-term check report)", "acceptance_report": "验收报告 (acceptance report)",
              "evaluation_report": "绩效评估报告 (performance evaluation report)",
              "funding_decision": "后续资金批复 (follow-on funding decision)",
              "endorsement_summary": "汇总上报表 (endorsement summary)"}
SECONDS = "%Y-%m-%d %H:%M:%S"
ROLE_NAMES = {"chair": "专家组组长 (panel chair)", "expert": "专家 (expert)", "office": "省信息办 (the Office's seal)",
              "unknown": "unknown signer"}


def describe(result) -> list[str]:
    lines = [VERDICTS[result.verdict]]
    if result.verdict == UNREADABLE:
        lines.append(f"reason: {unreadable_message(result)}")
    if result.sha256:
        lines.append(f"SHA-256: {result.sha256}")
    if result.match:
        m = result.match
        lines.append(f"document {m.number} ({KIND_NAMES.get(m.kind, m.kind)}), issued {clock.beijing(m.issued_at)}"
                     f" Beijing time, version {m.position} of {m.versions}"
                     + (", final" if m.finalised else ""))
    for sig in result.signatures:
        when = f"{clock.beijing(sig.signed_at, SECONDS)} Beijing time" if sig.signed_at else "?"
        state = "valid" if sig.bottom_line else "INVALID"
        extra = (", covers the whole file" if sig.covers_entire_file else "") + (
            ", locks the document" if sig.locks_document else "")
        lines.append(f"  {ROLE_NAMES[role_of(sig)]}: {sig.signer_name or '?'} at {when} — {state}{extra}"
                     + (f" ({sig.problem})" if sig.problem else ""))
    if result.verdict != UNREADABLE:
        lines.extend(f"  problem: {p}" for p in result.problems)
    return lines


DOSSIER_VERDICTS = {
    "authentic": "INTACT: the Office's seal on the manifest is valid and every file matches it.",
    "altered": "ALTERED: the dossier differs from what the Office sealed (see below).",
}


def describe_dossier(report: DossierReport) -> list[str]:
    lines = [DOSSIER_VERDICTS[report.verdict], f"SHA-256: {report.sha256}",
             (f"project {report.project.get('项目编号', '?')} {report.project.get('题名', '')}, "
              f"sealed at {clock.beijing(report.created_at, SECONDS)} Beijing time"),
             f"seal: {'valid' if report.seal.valid else 'INVALID'} — {report.seal.signer or '?'}"
             + (f" ({report.seal.problem})" if report.seal.problem else "")]
    counts = {s: sum(1 for m in report.members if m.status == s) for s in ("intact", "altered", "missing", "added")}
    lines.append("members: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    lines.extend(f"  {m.status.upper()}: {m.path}" for m in report.members if m.status != "intact")
    lines.extend(f"  document {d.path} ({d.number}): {d.verdict}" for d in report.documents)
    lines.append(f"audit records: {report.audit_checked} checked"
                 + (f", failing: {', '.join(map(str, report.audit_failed))}" if report.audit_failed else ", all hold"))
    lines.extend(f"  problem: {p}" for p in report.problems)
    return lines
