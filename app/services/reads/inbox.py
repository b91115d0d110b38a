"""Work lists: inbox, handled decisions, notifications, endorsement queue, quota board, plan overrides, re-review."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app import policies, prefetch
from app.extensions import db
from app.kinds import KINDS, flows_of
from app.models import (
    Acceptance,
    Application,
    AuditRecord,
    Batch,
    ChangeRequest,
    Division,
    Endorsement,
    Evaluation,
    FundingRequest,
    JointOpinion,
    MidtermCheck,
    Notification,
    Organisation,
    PanelMember,
    Project,
    Role,
    User,
)
from app.models.base import utcnow
from app.policies import visible_to
from app.services.engine import proxy
from app.services.engine.fire import available_steps
from app.services.engine.guards import quota_key
from app.services.reads.history import title_of
from app.services.reads.paging import MAX_PER_PAGE, Page, paginate
from app.services.records import counters
from app.services.time import limits
from workflows.application import ApplicationState

PER_PAGE = 50  # tasks on one page of the inbox

# What the waiting steps' policies, guards and the tasks' titles read of each kind of item,
# loaded with the candidates (a few queries for the whole inbox, never one per item).
LOADS = {
    "application": (selectinload(Application.endorsements), selectinload(Application.batch)),
    "project": (),
    "midterm_check": (joinedload(MidtermCheck.project),),
    "acceptance": (joinedload(Acceptance.project),
                   selectinload(Acceptance.members).joinedload(PanelMember.expert)),
    "evaluation": (joinedload(Evaluation.project),),
    "change_request": (joinedload(ChangeRequest.project),),
    "funding_request": (joinedload(FundingRequest.project),),
    "demonstration_list": (),
    "demonstration_objection": (),
}


@dataclass
class Task:
    kind: str
    entity: object
    title: str
    steps: list
    deadline: datetime | None
    overdue: bool
    limit: limits.Limit | None = None
    on_behalf: User | None = None  # a proxy's task: the leader whose step it is (代录)


@dataclass
class StageGroup:
    kind: str
    state: object
    tasks: list[Task] = field(default_factory=list)


@dataclass
class InboxPage:
    """One page of the inbox: its tasks by stage, and the figures of the whole inbox."""

    groups: list[StageGroup]
    total: int
    overdue: int
    due_soon: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _waiting(actor: User, kind: str) -> list[tuple[object, list]]:
    """(item, the waiting steps the actor may take on it) for every visible item of ``kind`` in
    a stage where the actor holds a waiting step's role: the items with their loads in a few
    queries, each step's policy before its guards, each guard's query once for all the items
    (``prefetch.over``)."""
    k = KINDS[kind]
    flows, model = flows_of(kind), k.model  # every version: each case's own decides its steps
    states = [st for st in k.flow.states
              if any(actor.has_role(Role(s.role)) for f in flows for s in f.waiting_steps(st))]
    if not states:
        return []
    rows = db.session.scalars(sa.select(model).where(visible_to(actor, model), model.state.in_(states))
                              .options(*LOADS[kind]).order_by(model.stage_entered_at, model.id)).unique().all()
    with prefetch.over(rows):
        return [(entity, steps) for entity in rows if (steps := available_steps(entity, actor, waiting=True))]


def inbox(actor: User, now: datetime | None = None) -> list[StageGroup]:
    """What awaits the actor: visible items on which they may take a non-optional step now,
    grouped by (kind, stage) in the flows' order, each with its deadline — all of them, in a
    number of queries that does not grow with the number of items."""
    now = now or utcnow()
    groups: list[StageGroup] = []
    # A proxy (an Office reviewer, never a leader) also finds the leader's waiting leader-steps.
    delegation = proxy.in_force(actor) if actor.has_role(Role.OFFICE_REVIEWER) else None
    for kind, k in KINDS.items():
        waiting = [(e, steps, None) for e, steps in _waiting(actor, kind)]
        if delegation is not None:
            waiting += [(e, leader_steps, delegation.leader) for e, steps in _waiting(delegation.leader, kind)
                        if (leader_steps := [s for s in steps if s.role == proxy.LEADER_ROLE])]
        history = limits.state_changes(kind, [e.id for e, _, _ in waiting]) if waiting else {}
        by_state: dict = {}
        for entity, steps, leader in waiting:
            limit = limits.status(kind, entity, now, history.get(entity.id, []))
            by_state.setdefault(entity.state, []).append(
                Task(kind, entity, title_of(kind, entity), steps, limit.deadline, limit.overdue, limit, leader))
        groups.extend(StageGroup(kind, st, by_state[st]) for st in k.flow.states if st in by_state)
    return groups


def inbox_page(actor: User, page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None) -> InboxPage:
    """One page of the inbox (the stages in the flows' order, oldest first within a stage) with
    the exact number of tasks, and of those due soon and overdue, over the whole inbox."""
    groups = inbox(actor, now)
    tasks = [t for g in groups for t in g.tasks]
    per_page, page = max(1, min(per_page, MAX_PER_PAGE)), max(1, page)
    shown: dict = {}
    for task in tasks[(page - 1) * per_page:page * per_page]:
        shown.setdefault((task.kind, task.entity.state), []).append(task)
    return InboxPage([StageGroup(kind, state, found) for (kind, state), found in shown.items()], len(tasks),
                     sum(t.overdue for t in tasks), sum(t.limit.level is limits.Level.DUE_SOON for t in tasks),
                     page, per_page)


def handled(actor: User, page: int = 1, per_page: int = 20) -> Page[AuditRecord]:
    """The decisions the actor took, newest first."""
    return paginate(sa.select(AuditRecord).where(AuditRecord.actor_id == actor.id), (AuditRecord.id.desc(),),
                    page, per_page)


def notifications(actor: User, page: int = 1, per_page: int = 20) -> Page[Notification]:
    """The actor's notifications, newest first."""
    return paginate(sa.select(Notification).where(Notification.user_id == actor.id), (Notification.id.desc(),),
                    page, per_page)


def endorsement_queue(actor: User) -> list[Application]:
    """Applications waiting for the endorsement of the actor's own office, oldest first."""
    return list(db.session.scalars(
        sa.select(Application).join(Endorsement, sa.and_(Endorsement.application_id == Application.id,
                                                          Endorsement.position == Application.endorsement_level))
        .where(visible_to(actor, Application), Application.state == ApplicationState.ENDORSING,
               Endorsement.office_id == actor.organisation_id)
        .order_by(Application.submitted_at, Application.id)))


@dataclass
class QuotaBoard:
    batch: Batch
    used: int
    by_category: dict
    by_division: list[tuple[str, int]]
    by_state: dict
    awaiting_approval: int

    @property
    def left(self) -> int:
        return max(self.batch.quota - self.used, 0)


def quota_boards(actor: User) -> list[QuotaBoard]:
    """Per batch: the quota counter (x / quota), approved projects by category and by
    prefecture, and the applications of the batch by stage. The programme-wide figures are for
    the Office (the dashboard's rule)."""
    policies.require("programme_overview", actor)
    boards = []
    for batch in db.session.scalars(sa.select(Batch).order_by(Batch.year.desc(), Batch.id.desc())):
        projects = (sa.select(Application.category, Project.prefecture_code)
                    .join(Application, Application.id == Project.application_id)
                    .where(Project.batch_id == batch.id, visible_to(actor, Project)))
        rows = db.session.execute(projects).all()
        by_category: dict = {}
        by_prefecture: dict = {}
        for category, prefecture in rows:
            by_category[category] = by_category.get(category, 0) + 1
            by_prefecture[prefecture] = by_prefecture.get(prefecture, 0) + 1
        names = dict(db.session.execute(sa.select(Division.code, Division.name)
                                        .where(Division.code.in_([c for c in by_prefecture if c]))).all())
        by_division = sorted(((names.get(code, str(_l("Provincial departments"))) if code else
                               str(_l("Provincial departments")), n) for code, n in by_prefecture.items()),
                             key=lambda kv: (-kv[1], kv[0]))
        by_state = dict(db.session.execute(
            sa.select(Application.state, sa.func.count()).where(Application.batch_id == batch.id,
                                                                 visible_to(actor, Application))
            .group_by(Application.state)).all())
        boards.append(QuotaBoard(batch, counters.value(quota_key(batch.id)), by_category, by_division, by_state,
                                 by_state.get(ApplicationState.PROJECT_APPROVAL, 0)))
    return boards


def awaiting_plan_override(actor: User) -> list[Application]:
    """Off-plan applications in 初审 or 领导审批 that no leader has overridden yet."""
    return list(db.session.scalars(sa.select(Application).where(
        visible_to(actor, Application), Application.plan_item_id.is_(None),
        Application.plan_overridden_by_id.is_(None),
        Application.state.in_((ApplicationState.INITIAL_REVIEW, ApplicationState.LEADER_APPROVAL)))
        .order_by(Application.id)))


@dataclass
class ReReviewStatus:
    rounds: dict  # round → [JointOpinion], newest round first
    pending: list  # organisations yet to give the current round's opinion
    current_round: int


def re_review_status(application: Application) -> ReReviewStatus:
    """The joint 复审 opinions of every round and who has yet to give one in this round."""
    opinions = db.session.scalars(sa.select(JointOpinion).where(JointOpinion.application_id == application.id)
                                  .order_by(JointOpinion.round.desc(), JointOpinion.created_at)).all()
    rounds: dict = {}
    for op in opinions:
        rounds.setdefault(op.round, []).append(op)
    given = {op.organisation_id for op in rounds.get(application.re_review_round, [])}
    panel = db.session.scalars(sa.select(Organisation).where(
        Organisation.code.in_(current_app.config["JOINT_REVIEW_ORGS"])).order_by(Organisation.code)).all()
    pending = [o for o in panel if o.id not in given] if application.re_review_round else []
    return ReReviewStatus(rounds, pending, application.re_review_round)
