"""The one job function: run the handler of an outbox row, outside any open transaction."""
from __future__ import annotations

import traceback

from flask import current_app

from app.database import transaction
from app.extensions import db
from app.services.records import outbox


def run(outbox_id: int) -> str:
    """Run one outbox row's handler; returns what happened ("done", "skipped", "failed").

    The handler opens its own short transactions (so a PDF is never rendered inside one) and
    finishes with ``outbox.finishing``; a row whose work left no database trace is marked done
    here. An exception is recorded on the row with a back-off and never reaches the caller."""
    with transaction():
        msg = outbox.claim(outbox_id)
    if msg is None:
        return "skipped"
    handler = outbox.handler_for(msg.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for outbox kind {msg.kind!r}")
        handler(msg)
        with transaction():
            outbox.finish(msg)
    except outbox.AlreadyDone:
        db.session.rollback()
        return "skipped"
    except Exception as exc:  # recorded on the row; the decision that caused it stands
        db.session.rollback()
        current_app.logger.warning("job %s (%s) failed: %s", outbox_id, msg.kind, exc)
        with transaction():
            outbox.record_failure(outbox_id, "".join(traceback.format_exception(exc)))
        return "failed"
    return "done"
