"""Who is acting: a person in their own name, or a proxy (代理) entering a leader's step.

A leader may designate a proxy for a period (``app.services.commands.delegations``). While the
delegation is in force (today in Beijing within its dates, not revoked), the proxy may take any
step whose ``role`` is "leader" — in every flow, whatever its trigger — on the leader's behalf:
the step runs as the leader (the leader's policies, the leader's name on the decision) and the
audit record names the proxy as the one who entered it (``entered_by``). Nothing else: any
other step is judged on the proxy's own rights.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.errors import Denied
from app.extensions import db
from app.models import Delegation, Role, User
from app.services.time import calendar
from workflows import Step

LEADER_ROLE = "leader"  # the steps a proxy may enter: those taken in this role, in every flow

_ENTERED_BY: ContextVar[User | None] = ContextVar("pilotflow_entered_by", default=None)


def delegations_of_proxy(proxy: User) -> list[Delegation]:
    """The proxy's delegations not revoked, the latest first."""
    return list(db.session.scalars(sa.select(Delegation).where(Delegation.proxy_id == proxy.id,
                                                               Delegation.revoked_at.is_(None))
                                   .order_by(Delegation.starts_on.desc(), Delegation.id.desc())))


def in_force(proxy: User | None) -> Delegation | None:
    """The delegation the proxy holds today (Beijing), if any (periods of one proxy never overlap)."""
    if proxy is None or not proxy.active or proxy.has_role(Role.LEADER):
        return None
    found = db.session.scalar(_IN_FORCE, {"proxy_id": proxy.id, "today": calendar.today()})
    return found if found is not None and found.leader.active else None


# Built once: every Office reviewer's inbox and leader step asks it.
_IN_FORCE = sa.select(Delegation).where(
    Delegation.proxy_id == sa.bindparam("proxy_id"), Delegation.revoked_at.is_(None),
    Delegation.starts_on <= sa.bindparam("today"), Delegation.ends_on >= sa.bindparam("today")).limit(1)


def acting_as(actor: User, step: Step) -> tuple[User, User | None]:
    """(whose step it is, who entered it on their behalf or None). A person holding the step's
    role acts in their own name; a proxy holding a delegation in force takes a leader's step as
    the leader; a proxy outside their period gets a 403 saying so. Anything else is left to the
    step's own policy."""
    if actor is None or step.role != LEADER_ROLE or actor.has_role(Role.LEADER):
        return actor, None
    delegation = in_force(actor)
    if delegation is not None:
        return delegation.leader, actor
    held = delegations_of_proxy(actor)
    if held:
        d = held[0]
        raise Denied(str(_l("Your delegation from %(leader)s is in force only from %(start)s to %(end)s "
                            "(Beijing dates); today you may not enter their steps.",
                            leader=d.leader.display_name, start=d.starts_on.isoformat(), end=d.ends_on.isoformat())))
    return actor, None


@contextmanager
def entering(proxy: User | None) -> Iterator[None]:
    """While the block runs, the state changes are entered by ``proxy`` on the actor's behalf."""
    token = _ENTERED_BY.set(proxy)
    try:
        yield
    finally:
        _ENTERED_BY.reset(token)


def entered_by() -> User | None:
    """The proxy entering the step now being taken, or None."""
    return _ENTERED_BY.get()
