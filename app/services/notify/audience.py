"""Who can act on an item now, and who supervises them — derived from the flows' waiting steps
and their policies (and guards), never from hand-kept lists. Decisions, reminders, escalations
and 催办 all ask here."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app import prefetch
from app.extensions import db
from app.kinds import KINDS
from app.models import (
    Division,
    DivisionLevel,
    Organisation,
    OrgKind,
    Role,
    User,
    UserRole,
)
from app.policies import Handling
from app.services.engine.fire import available_steps


@dataclass(frozen=True)
class Handler:
    user: User
    roles: frozenset[str]  # the roles of the waiting steps this user may take now


def handlers(kind: str, entity) -> list[Handler]:
    """The active users who may take a waiting (non-optional) step on the item now: the
    candidates hold a role of one of the state's waiting steps; the step's policy and guards
    decide (the inbox's own rule, so a notified user finds the task in their inbox)."""
    waiting = KINDS[kind].flow.waiting_steps(entity.state)
    roles = {Role(s.role) for s in waiting}
    if not roles:
        return []
    candidates = db.session.scalars(
        sa.select(User).where(User.active, User.id.in_(
            sa.select(UserRole.user_id).where(UserRole.role.in_(roles)))).order_by(User.id)).all()
    found = []
    with prefetch.over([entity]):  # each guard's query once, however many candidates
        for user in candidates:
            if steps := available_steps(entity, user, waiting=True):
                found.append(Handler(user, frozenset(s.role for s in steps)))
    return found


def handling(kind: str, entity) -> Handling:
    """The item with its handlers, as the supervision policy judges it."""
    found = handlers(kind, entity)
    orgs = {h.user.organisation_id: h.user.organisation for h in found}
    return Handling(entity, frozenset(h.user.id for h in found), tuple(orgs.values()))


def _with_role(role: Role, *where) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.active, *where, User.id.in_(
            sa.select(UserRole.user_id).where(UserRole.role == role))).order_by(User.id)))


def _office_over(division_code: str | None) -> list[User]:
    """Who supervises at a division: its IT office's endorsers; at the province, the Office's
    reviewers."""
    division = db.session.get(Division, division_code) if division_code else None
    if division is None or division.level == DivisionLevel.PROVINCE:
        return _with_role(Role.OFFICE_REVIEWER)
    offices = sa.select(Organisation.id).where(Organisation.kind == OrgKind.IT_OFFICE,
                                               Organisation.division_code == division.code)
    return _with_role(Role.ENDORSER, User.organisation_id.in_(offices))


def supervisors(kind: str, entity) -> list[User]:
    """Where an overdue stage escalates, from the roles its handlers act in: an IT office's
    endorsement → the office one level up (the prefecture's → the Office's reviewers); an
    agency's own step → its supervising IT office; the Office's reviewers → its leaders; an
    expert's or a joint reviewer's part → the Office's reviewers. The leaders are the top."""
    found: dict[int, User] = {}
    now_handling = handlers(kind, entity)
    for h in now_handling:
        org = h.user.organisation
        targets: list[User] = []
        if "endorser" in h.roles:
            targets += _office_over(org.division.parent_code)
        if "applicant" in h.roles:
            targets += _office_over(org.division_code)
        if "office_reviewer" in h.roles:
            targets += _with_role(Role.LEADER)
        if h.roles & {"expert", "joint_reviewer"}:
            targets += _with_role(Role.OFFICE_REVIEWER)
        found.update((u.id, u) for u in targets)
    handler_ids = {h.user.id for h in now_handling}
    return [u for uid, u in sorted(found.items()) if uid not in handler_ids]
