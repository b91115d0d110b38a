"""Programme statistics for the dashboard: counts by stage, prefecture, category and domain
(indexed GROUP BY queries scoped by policies.visible_to) and the average days spent in each
stage, computed from the decision history in one aggregate query."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app import policies
from app.extensions import db
from app.kinds import KINDS, MODEL_OF
from app.models import (
    Acceptance,
    Application,
    AuditRecord,
    Division,
    Evaluation,
    Project,
    User,
)
from app.models.vocabulary import DivisionLevel, Domain, PilotCategory
from app.policies import visible_to
from workflows.application import ApplicationState
from workflows.project import ProjectState

# The entity types whose states the history records, their state enums and models.
FLOW_STATES = {name: k.flow.states for name, k in KINDS.items()}
PROVINCE_LEVEL = "province"  # the bucket of provincial departments' applications (no prefecture)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a key, its label in both languages, and counts."""

    key: str
    zh: str
    en: str
    count: int
    approved: int = 0

    def label(self, locale: str = "zh") -> str:
        return self.en if locale.startswith("en") else self.zh


@dataclass(frozen=True)
class StageDuration:
    flow: str
    state: object  # a LabelledEnum member
    average_days: Decimal
    stays: int


@dataclass
class Overview:
    applications_by_stage: list[Bar] = field(default_factory=list)
    projects_by_stage: list[Bar] = field(default_factory=list)
    by_prefecture: list[Bar] = field(default_factory=list)
    by_category: list[Bar] = field(default_factory=list)
    by_domain: list[Bar] = field(default_factory=list)
    stage_days: list[StageDuration] = field(default_factory=list)

    @property
    def total_applications(self) -> int:
        return sum(b.count for b in self.applications_by_stage)

    @property
    def total_projects(self) -> int:
        return sum(b.count for b in self.projects_by_stage)


def count_by(actor: User, model, column, *where) -> dict:
    """{value: count} of the visible rows of ``model`` grouped by ``column``."""
    rows = db.session.execute(sa.select(column, sa.func.count()).where(visible_to(actor, model), *where)
                              .group_by(column)).all()
    return {k: n for k, n in rows}


def programme_overview(actor: User, batch_id: int | None = None) -> Overview:
    """Everything the dashboard shows, for the rows the actor may see (optionally one batch)."""
    policies.require("programme_overview", actor)
    app_where = [Application.batch_id == batch_id] if batch_id else []
    project_where = [Project.batch_id == batch_id] if batch_id else []
    approved = Application.state == ApplicationState.APPROVED
    return Overview(
        applications_by_stage=_enum_bars(ApplicationState, count_by(actor, Application, Application.state,
                                                                    *app_where)),
        projects_by_stage=_enum_bars(ProjectState, count_by(actor, Project, Project.state, *project_where)),
        by_prefecture=prefecture_bars(actor, app_where),
        by_category=_enum_bars(PilotCategory, count_by(actor, Application, Application.category, *app_where),
                               count_by(actor, Application, Application.category, approved, *app_where)),
        by_domain=sorted(_enum_bars(Domain, count_by(actor, Application, Application.domain, *app_where),
                                    count_by(actor, Application, Application.domain, approved, *app_where)),
                         key=lambda b: -b.count),
        stage_days=average_days_in_stage(actor, batch_id),
    )


def _enum_bars(enum_cls, counts: dict, approved: dict | None = None) -> list[Bar]:
    counts = {_value(k): n for k, n in counts.items()}
    approved = {_value(k): n for k, n in (approved or {}).items()}
    return [Bar(m.value, m.zh, m.en, counts.get(m.value, 0), approved.get(m.value, 0)) for m in enum_cls]


def _value(key) -> str:
    return getattr(key, "value", key)


def prefecture_bars(actor: User, where: list) -> list[Bar]:
    """The 16 prefectures (and the provincial departments), ranked by applications filed."""
    approved = Application.state == ApplicationState.APPROVED
    filed = count_by(actor, Application, Application.prefecture_code, *where)
    done = count_by(actor, Application, Application.prefecture_code, approved, *where)
    prefectures = db.session.execute(sa.select(Division.code, Division.name)
                                     .where(Division.level == DivisionLevel.PREFECTURE)
                                     .order_by(Division.code)).all()
    bars = [Bar(code, name, name, filed.get(code, 0), done.get(code, 0)) for code, name in prefectures]
    bars.append(Bar(PROVINCE_LEVEL, "省直部门", "Provincial departments", filed.get(None, 0), done.get(None, 0)))
    return sorted(bars, key=lambda b: (-b.count, b.key))


def _days_between(later, earlier):
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.julianday(later) - sa.func.julianday(earlier)
    return sa.extract("epoch", later - earlier) / 86400.0


def _scope(actor: User, batch_id: int | None):
    """Audit records of items the actor may see (and of the batch, if one is chosen)."""
    clauses = []
    for name, model in MODEL_OF.items():
        if model is Application:
            ids = sa.select(Application.id).where(visible_to(actor, Application),
                                                  *([Application.batch_id == batch_id] if batch_id else []))
        elif model is Project:
            ids = sa.select(Project.id).where(visible_to(actor, Project),
                                              *([Project.batch_id == batch_id] if batch_id else []))
        elif batch_id and not hasattr(model, "project_id"):
            continue  # the demonstration list and its objections belong to no batch
        else:
            ids = sa.select(model.id).where(visible_to(actor, model))
            if batch_id:
                ids = ids.where(model.project_id.in_(sa.select(Project.id).where(Project.batch_id == batch_id)))
        clauses.append(sa.and_(AuditRecord.entity_type == name, AuditRecord.entity_id.in_(ids)))
    return sa.or_(*clauses)


def average_days_in_stage(actor: User, batch_id: int | None = None) -> list[StageDuration]:
    """Average length of every completed stay in a stage, from the history's state changes.

    A stay in state S ends with the record that moves the item out of S (from_state = S); it
    began with the item's previous state change, or — for items created by another item's
    decision (a project at 立项, an acceptance at its request) — when the item was created.
    One query: a window (LAG) over the state-changing records, then GROUP BY.
    """
    project, acceptance = aliased(Project), aliased(Acceptance)
    changes = (
        sa.select(
            AuditRecord.entity_type, AuditRecord.from_state, AuditRecord.created_at.label("left_at"),
            sa.func.coalesce(
                sa.func.lag(AuditRecord.created_at).over(
                    partition_by=(AuditRecord.entity_type, AuditRecord.entity_id), order_by=AuditRecord.id),
                project.created_at, acceptance.requested_at).label("entered_at"))
        .outerjoin(project, sa.and_(AuditRecord.entity_type == "project", project.id == AuditRecord.entity_id))
        .outerjoin(acceptance, sa.and_(AuditRecord.entity_type == "acceptance",
                                       acceptance.id == AuditRecord.entity_id))
        .where(AuditRecord.entity_type.in_(tuple(FLOW_STATES)), AuditRecord.to_state.is_not(None),
               sa.or_(AuditRecord.from_state.is_(None), AuditRecord.from_state != AuditRecord.to_state),
               _scope(actor, batch_id))
        .cte("state_changes"))
    days = _days_between(changes.c.left_at, changes.c.entered_at)
    rows = db.session.execute(
        sa.select(changes.c.entity_type, changes.c.from_state, sa.func.avg(days), sa.func.count())
        .where(changes.c.from_state.is_not(None), changes.c.entered_at.is_not(None))
        .group_by(changes.c.entity_type, changes.c.from_state)).all()
    found = {(t, s): (avg, n) for t, s, avg, n in rows}
    result = []
    for flow, states in FLOW_STATES.items():  # in the lifecycle's order
        for state in states:
            if (flow, state.value) in found:
                avg, n = found[(flow, state.value)]
                result.append(StageDuration(flow, state, Decimal(str(max(float(avg or 0), 0.0))).quantize(
                    Decimal("0.01")), n))
    return result


@dataclass(frozen=True)
class Statistics:
    applications_by_state: dict
    applications_by_category: dict
    applications_by_domain: dict
    applications_by_prefecture: dict
    projects_by_state: dict
    evaluations_by_grade: dict
    requested_budget_total: object
    approved_budget_total: object


def programme_counts(actor: User, batch_id: int | None = None) -> Statistics:
    """The dashboard's figures as plain counts and budget totals (the API serves these):
    the same rule as the dashboard page, over the rows the actor may see."""
    policies.require("programme_overview", actor)
    app_where = [Application.batch_id == batch_id] if batch_id else []
    project_where = [Project.batch_id == batch_id] if batch_id else []
    eval_where = ([Evaluation.project_id.in_(sa.select(Project.id).where(Project.batch_id == batch_id))]
                  if batch_id else [])
    requested = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Application.requested_budget), 0))
                                  .where(visible_to(actor, Application), *app_where))
    approved = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Project.approved_budget), 0))
                                 .where(visible_to(actor, Project), *project_where))
    return Statistics(
        applications_by_state=_plain(count_by(actor, Application, Application.state, *app_where)),
        applications_by_category=_plain(count_by(actor, Application, Application.category, *app_where)),
        applications_by_domain=_plain(count_by(actor, Application, Application.domain, *app_where)),
        applications_by_prefecture=_plain(count_by(actor, Application, Application.prefecture_code, *app_where)),
        projects_by_state=_plain(count_by(actor, Project, Project.state, *project_where)),
        evaluations_by_grade=_plain(count_by(actor, Evaluation, Evaluation.grade,
                                             Evaluation.grade.is_not(None), *eval_where)),
        requested_budget_total=requested, approved_budget_total=approved,
    )


def _plain(counts: dict) -> dict:
    return {("" if k is None else getattr(k, "value", k)): n for k, n in counts.items()}
