"""What each kind of outbox row does when its job runs. A handler owns its transactions, like a
request: short ones around its reads and its final write, none while it renders or sends."""
from __future__ import annotations

from flask import current_app

from app.database import transaction
from app.jobs import periodic  # noqa: F401  (registers the "scheduled" kind and the scheduled jobs)
from app.services.documents import dossier, dossier_exports, issuing, signatures
from app.services.notify import mail as mailer
from app.services.notify.deliver import notify_decision
from app.services.records import checkpoints
from app.services.records.outbox import AlreadyDone, Message, finishing, handles


@handles("state_changed")
def state_changed(msg: Message) -> None:
    with transaction(), finishing(msg):
        notify_decision(msg.payload)


@handles("mail")
def mail(msg: Message) -> None:
    """Compose in a short read, send outside any transaction (an SMTP error raises: the row
    backs off and is retried), then mark the row done."""
    with transaction():
        letter = mailer.compose(msg.id, msg.payload)
    if letter is not None:
        mailer.send(letter)
    with transaction(), finishing(msg):
        pass


@handles(issuing.RENDER_JOB)
def render_document(msg: Message) -> None:
    """Compose in a short transaction, lay out with none open, keep the first file."""
    with transaction():
        composed = issuing.compose(msg.payload["document_id"])
    if composed is None:
        return
    pdf, note = issuing.lay_out(composed)
    with transaction(), finishing(msg):
        issuing.store_rendered(composed.document_id, pdf, note)


@handles(issuing.SEAL_JOB)
def seal_document(msg: Message) -> None:
    """The Office's seal over the signed acceptance report, made with no transaction open."""
    with transaction():
        plan = signatures.office_seal(msg.payload["document_id"])
    if plan is None:
        return
    signed = plan.make()
    with transaction(), finishing(msg):
        signatures.record_seal(signed)


@handles(dossier_exports.JOB)
def build_dossier(msg: Message) -> None:
    """A project's dossier: read in a short transaction, built and sealed with none open (the
    only place a request's dossier touches the seal key), kept inside ``finishing``. A failed
    attempt leaves its reason on the export (failed after the last attempt) and raises: the row
    backs off and is retried."""
    try:
        with transaction():
            build = dossier_exports.collect(msg.payload["export_id"])
        if build is None:
            return
        data = dossier.build(build.contents)
        with transaction(), finishing(msg):
            dossier_exports.store(build, data)
    except AlreadyDone:
        raise
    except Exception as exc:
        with transaction():
            dossier_exports.record_failure(msg, exc)
        raise


@handles(checkpoints.JOB)
def audit_checkpoint(msg: Message) -> None:
    """Sign the audit trail's head, then copy every checkpoint not yet outside to the outside
    store. A store that cannot be written leaves them waiting (logged, and reported by
    ``flask audit verify``): the next checkpoint copies them."""
    with transaction(), finishing(msg):
        checkpoints.make(msg.payload["reason"])
    try:
        with transaction():
            checkpoints.publish()
    except OSError as exc:
        current_app.logger.warning("audit checkpoints not copied to the outside store: %s", exc)
