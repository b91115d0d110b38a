"""Work lists: inbox, handled decisions, notifications, endorsement queue, quota board, plan overrides, re-review."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList

from app import clock, policies, prefetch
from app.extensions import db
from app.kept import Kept
from app.kinds import KINDS
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
from app.services.engine import proxy, waiting
from app.services.engine.fire import available_steps, first_per_trigger
from app.services.engine.guards import quota_key
from app.services.reads.history import title_of
from app.services.reads.paging import (
    MAX_PER_PAGE,
    Page,
    kept_count,
    paginate,
    statement_key,
)
from app.services.records import counters
from app.services.time import due, limits
from workflows import registry
from workflows.application import ApplicationState

PER_PAGE = 50  # tasks on one page of the inbox

# What the tasks' titles read of each kind of item (``title_of``: a stage of a project is named
# after the project), loaded with the page's tasks when their steps come from the query's flags.
TITLE_LOADS = {
    "midterm_check": (joinedload(MidtermCheck.project),),
    "acceptance": (joinedload(Acceptance.project),),
    "evaluation": (joinedload(Evaluation.project),),
    "change_request": (joinedload(ChangeRequest.project),),
    "funding_request": (joinedload(FundingRequest.project),),
}
# What the waiting steps' policies and guards read besides, for a stage asked item by item.
GUARD_LOADS = {
    "application": (selectinload(Application.endorsements), selectinload(Application.batch)),
    "acceptance": (selectinload(Acceptance.members).joinedload(PanelMember.expert),),
}
# A stage asked item by item loads both: a few queries for the whole stage, never one per item.
LOADS = {kind: TITLE_LOADS.get(kind, ()) + GUARD_LOADS.get(kind, ()) for kind in KINDS}


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


@dataclass(frozen=True)
class _Stage:
    """The SQL of one stage's tasks from one source (the actor's own, or a leader's entered by
    their proxy), built once per scope and day (``_plan``). ``where`` is None when the stage's
    steps have no SQL form: its items are then asked item by item."""

    kind: str
    state: object
    on_behalf: bool  # the leader's steps, entered by their proxy
    where: object
    query: object  # the stage's items the source may act on (without order)
    load: object | None  # the items in the stage's order with one flag per step (from :offset, :limit of
    # them: one statement, whose SQLAlchemy cache key is computed once), else None
    steps: tuple | None  # the steps the flags stand for, else None
    every: object | None = None  # without SQL (``where`` None): all its items in order, with what their steps read


@dataclass(frozen=True)
class _Plan:
    stages: tuple[_Stage, ...]
    count: object | None  # one row per counted stage: (position, tasks, overdue, due soon)

    @cached_property
    def count_key(self):
        return statement_key(self.count)


@dataclass
class _Segment:
    """A stage of the plan for this request: whose steps, and what the counts found."""

    stage: _Stage
    actor: User  # whose steps
    on_behalf: User | None
    rows: list | None = None  # item by item: (entity, steps), in order
    count: int = 0
    overdue: int = 0
    due_soon: int = 0


PLANS = Kept("pilotflow.inbox_plans", 256)  # a plan is some 50 KiB


def _plan(actor: User, leader: User | None) -> _Plan:
    """The inbox's SQL for this actor (and the leader whose steps they enter, if any). A plan
    is a function of the actors' scopes (``policies.scope_key``: what SQL rules and visibility
    read of an actor), of the flows' versions, of the joint reviewers named by the settings and
    of the day (a batch's filing window), so an app keeps it by those and builds it once."""
    key = (policies.scope_key(actor), leader and policies.scope_key(leader), registry.revision(),
           tuple(current_app.config["JOINT_REVIEW_ORGS"]), clock.today())
    return PLANS.get(key, lambda: _build_plan(actor, leader))


def _build_plan(actor: User, leader: User | None) -> _Plan:
    sources = [(actor, None)] + ([(leader, (proxy.LEADER_ROLE,))] if leader is not None else [])
    stages, counted = [], []
    for kind, k in KINDS.items():
        model = k.model
        for state in k.flow.states:
            for who, roles in sources:
                where = waiting.clause(kind, state, who, roles)  # False: no step of theirs waits here
                if where is False:
                    continue
                query = _select(model, state, who, where)
                load = steps = None
                if where is not None:
                    day = due.day_column(kind, model)
                    counted.append(query.with_only_columns(
                        sa.literal(len(stages)), sa.func.count(),
                        sa.func.count(sa.case((day < sa.bindparam("overdue_before"), 1))),
                        sa.func.count(sa.case((day.between(sa.bindparam("overdue_before"),
                                                           sa.bindparam("soon_until")), 1)))).select_from(model))
                    flagged = waiting.step_clauses(kind, state, who, roles)
                    if flagged is not None:
                        load = query.order_by(model.stage_entered_at, model.id).add_columns(
                            *(sa.literal(True) if clause is True else sa.case((clause, True), else_=False)
                              for _, clause in flagged)).options(*TITLE_LOADS.get(kind, ())).offset(
                            sa.bindparam("offset", type_=sa.Integer)).limit(sa.bindparam("limit", type_=sa.Integer))
                        steps = tuple(step for step, _ in flagged)
                every = (query.options(*LOADS[kind]).order_by(model.stage_entered_at, model.id)
                         if where is None else None)
                stages.append(_Stage(kind, state, roles is not None, where, query, load, steps, every))
    return _Plan(tuple(stages), sa.union_all(*counted) if counted else None)


def _segments(actor: User) -> tuple[list[_Segment], _Plan]:
    """Every (kind, stage, source) in which tasks may await the actor, in the inbox's order."""
    # A proxy (an Office reviewer, never a leader) also finds the leader's waiting leader-steps.
    delegation = proxy.in_force(actor) if actor.has_role(Role.OFFICE_REVIEWER) else None
    leader = delegation.leader if delegation is not None else None
    plan = _plan(actor, leader)
    return [_Segment(stage, leader if stage.on_behalf else actor, leader if stage.on_behalf else None)
            for stage in plan.stages], plan


def _steps(segment: _Segment, entity) -> list:
    steps = available_steps(entity, segment.actor, waiting=True)
    return [s for s in steps if s.role == proxy.LEADER_ROLE] if segment.on_behalf is not None else steps


def _select(model, state, actor: User, where):
    visible = visible_to(actor, model)
    if where is True or where is None:
        return sa.select(model).where(visible, model.state == state)
    if any(term.compare(visible) for term in _conjuncts(where)):
        # The step's own rule is the actor's scope (an agency's own items): asked twice, SQLite
        # without statistics picks the agency's index over the (agency, stage) one.
        return sa.select(model).where(model.state == state, where)
    return sa.select(model).where(visible, model.state == state, where)


def _conjuncts(clause) -> list:
    """The terms ANDed in ``clause`` (the clause itself when it is not an AND)."""
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return list(clause.clauses)
    return [clause]


def _count(segments: list[_Segment], plan: _Plan, now: datetime) -> None:
    """Each segment's number of tasks, and of those overdue and due soon, from the stored
    deadline days: one query for all the counted segments (the plan's UNION ALL of one row
    each), the item-by-item ones from their loaded rows."""
    overdue_before, soon_until = due.thresholds(now)
    for seg in segments:
        if seg.stage.where is None:
            rows = db.session.scalars(seg.stage.every).unique().all()
            with prefetch.over(rows):
                seg.rows = [(e, steps) for e in rows if (steps := _steps(seg, e))]
            days = [due.day_value(seg.stage.kind, e) for e, _ in seg.rows]
            seg.count = len(seg.rows)
            seg.overdue = sum(d is not None and d < overdue_before for d in days)
            seg.due_soon = sum(d is not None and overdue_before <= d <= soon_until for d in days)
    if plan.count is not None:
        thresholds = {"overdue_before": overdue_before, "soon_until": soon_until}
        key = plan.count_key and (plan.count_key, overdue_before, soon_until)
        found = kept_count(key, lambda: tuple(db.session.execute(plan.count, thresholds)))
        for index, tasks, overdue, due_soon in found:
            segments[index].count, segments[index].overdue, segments[index].due_soon = tasks, overdue, due_soon


def _load(seg: _Segment, offset: int, limit: int) -> list[tuple[object, list]]:
    """The segment's tasks from ``offset``, at most ``limit`` of them, with their steps: asked in
    the same query, one flag per step (``waiting.step_clauses``), else item by item."""
    if seg.rows is not None:
        return seg.rows[offset:offset + limit]
    stage = seg.stage
    if stage.load is None:
        model = KINDS[stage.kind].model
        rows = db.session.scalars(stage.query.order_by(model.stage_entered_at, model.id).offset(offset)
                                  .limit(limit).options(*LOADS[stage.kind])).unique().all()
        with prefetch.over(rows):
            return [(e, _steps(seg, e)) for e in rows]
    return [(entity, first_per_trigger(s for s, holds in zip(stage.steps, held) if holds))
            for entity, *held in db.session.execute(stage.load, {"offset": offset, "limit": limit}).unique().all()]


def _tasks(segments: list[_Segment], start: int, stop: int, now: datetime) -> list[Task]:
    """The tasks at positions start..stop of the whole inbox, with their deadlines and levels
    (from the stored days, as a list's rows)."""
    picked: list[tuple[_Segment, object, list]] = []
    position = 0
    for seg in segments:
        if seg.count and position + seg.count > start and position < stop:  # (an empty stage: no query)
            offset = max(start - position, 0)
            wanted = min(stop, position + seg.count) - position - offset
            picked += [(seg, e, steps) for e, steps in _load(seg, offset, wanted)]
        position += seg.count
    kinds = {seg.stage.kind for seg, _, _ in picked}
    limit_of = {kind: due.listed(kind, [e for seg, e, _ in picked if seg.stage.kind == kind], now) for kind in kinds}
    tasks = []
    for seg, entity, steps in picked:
        kind = seg.stage.kind
        limit = limit_of[kind][entity.id]
        tasks.append(Task(kind, entity, title_of(kind, entity), steps, limit.deadline, limit.overdue,
                          limit, seg.on_behalf))
    return tasks


def _grouped(tasks: list[Task]) -> list[StageGroup]:
    groups: list[StageGroup] = []
    for task in tasks:
        if not groups or (groups[-1].kind, groups[-1].state) != (task.kind, task.entity.state):
            groups.append(StageGroup(task.kind, task.entity.state))
        groups[-1].tasks.append(task)
    return groups


def inbox(actor: User, now: datetime | None = None) -> list[StageGroup]:
    """What awaits the actor: visible items on which they may take a non-optional step now,
    grouped by (kind, stage) in the flows' order, each with its deadline — all of them."""
    now = now or utcnow()
    segments, plan = _segments(actor)
    _count(segments, plan, now)
    return _grouped(_tasks(segments, 0, sum(s.count for s in segments), now))


def inbox_page(actor: User, page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None) -> InboxPage:
    """One page of the inbox (the stages in the flows' order, oldest first within a stage) with
    the exact number of tasks, and of those due soon and overdue, over the whole inbox. The
    counts come from SQL and only the page's items are loaded, in a number of queries that does
    not grow with the number of items (a stage whose steps SQL cannot answer is read item by item)."""
    now = now or utcnow()
    per_page, page = max(1, min(per_page, MAX_PER_PAGE)), max(1, page)
    segments, plan = _segments(actor)
    _count(segments, plan, now)
    tasks = _tasks(segments, (page - 1) * per_page, page * per_page, now)
    return InboxPage(_grouped(tasks), sum(s.count for s in segments), sum(s.overdue for s in segments),
                     sum(s.due_soon for s in segments), page, per_page)


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
