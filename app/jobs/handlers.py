"""What each kind of outbox row does when its job runs. A handler owns its transactions, like a
request: short ones around its reads and its final write, none while it renders or sends."""
from __future__ import annotations

from app import notifications
from app.database import transaction
from app.jobs import periodic  # noqa: F401  (registers the "scheduled" kind)
from app.services.records.outbox import Message, finishing, handles


@handles("state_changed")
def state_changed(msg: Message) -> None:
    with transaction(), finishing(msg):
        notifications.notify_decision(msg.payload)
