"""What each kind of outbox row does when its job runs. A handler owns its transactions, like a
request: short ones around its reads and its final write, none while it renders or sends."""
from __future__ import annotations

from app.database import transaction
from app.jobs import periodic  # noqa: F401  (registers the "scheduled" kind and the scheduled jobs)
from app.services.notify import mail as mailer
from app.services.notify.deliver import notify_decision
from app.services.records.outbox import Message, finishing, handles


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
