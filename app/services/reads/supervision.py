"""The supervision board (电子监察): how every office keeps its time limits.

One list of *facts* — each stay of an item in a stage the offices must act in, completed or
running — is read from the items' state-changing history (``limits.episodes``: the clock stops
while an application is with its applicant), and the board's figures, the drill-down lists and
the export are all counted from it. The applicant's own stages (drafting, revising, reporting)
are not the offices' and are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock, policies
from app.extensions import db
from app.kinds import KINDS
from app.models import Application, Division, Endorsement, Organisation, Project, User
from app.policies import visible_to
from app.services.reads.history import title_of
from app.services.time import limits
from workflows.application import ApplicationState

DIMENSIONS = ("office", "prefecture", "stage")
OUTCOMES = ("on_time", "late", "due_soon", "overdue", "running")
MEASURES = ("completed", "on_time", "late", "current", "due_soon", "overdue")
THE_OFFICE = "office"  # the key of the Information Office (every stage but endorsement)
PROVINCE = "province"  # the key of provincial departments' items (no prefecture)


@dataclass(frozen=True)
class Fact:
    kind: str
    entity: object
    state: object
    office: str
    prefecture: str
    outcome: str  # one of OUTCOMES
    days: int  # working days the offices' clock ran in this stay
    limit: int

    @property
    def stage(self) -> str:
        return f"{self.kind}:{self.state.value}"

    def key(self, dimension: str) -> str:
        return {"office": self.office, "prefecture": self.prefecture, "stage": self.stage}[dimension]

    def counts_in(self, measure: str) -> bool:
        return {"completed": self.outcome in ("on_time", "late"), "current": self.outcome not in ("on_time", "late")
                }.get(measure, self.outcome == measure)


@dataclass
class Figures:
    completed: int = 0
    on_time: int = 0
    days: int = 0
    due_soon: int = 0
    overdue: int = 0
    current: int = 0

    def add(self, fact: Fact) -> None:
        if fact.outcome in ("on_time", "late"):
            self.completed += 1
            self.on_time += fact.outcome == "on_time"
            self.days += fact.days
        else:
            self.current += 1
            self.due_soon += fact.outcome == "due_soon"
            self.overdue += fact.outcome == "overdue"

    @property
    def late(self) -> int:
        return self.completed - self.on_time

    @property
    def on_time_rate(self) -> float | None:
        """Stages completed within their limit / stages completed (None before any completes)."""
        return self.on_time / self.completed if self.completed else None

    @property
    def average_days(self) -> float | None:
        return self.days / self.completed if self.completed else None


@dataclass
class Row:
    key: str
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class Board:
    total: Figures
    rows: dict[str, list[Row]]  # dimension → rows

    @property
    def empty(self) -> bool:
        return not (self.total.completed or self.total.current)


def _supervised(kind: str) -> dict[str, int]:
    """state value → limit of the stages some office (not the applicant) must act in."""
    flow = KINDS[kind].flow
    return {st.value: days for k, st, _ in limits.limited_stages() if k == kind
            and any(s.role != "applicant" for s in flow.waiting_steps(st))
            and (days := limits.limit_days(kind, st)) is not None}


def _prefecture_of(kind: str, entity, projects: dict[int, Project]) -> str:
    if kind in ("application", "project"):
        code = entity.prefecture_code
    else:  # a stage of a project's (the demonstration list and its objections are the province's)
        project = projects.get(getattr(entity, "project_id", None))
        code = project.prefecture_code if project else None
    return code or PROVINCE


def facts(actor: User, now: datetime | None = None) -> list[Fact]:
    """Every stay of a visible item in a supervised stage, with its outcome at ``now``."""
    policies.require("supervision_board", actor)
    now = now or clock.now()
    out: list[Fact] = []
    for kind, k in KINDS.items():
        stages = _supervised(kind)
        if not stages:
            continue
        model = k.model
        entities = list(db.session.scalars(sa.select(model).where(visible_to(actor, model)).order_by(model.id)))
        if not entities:
            continue
        history = limits.state_changes(kind, [e.id for e in entities])
        project_ids = {e.project_id for e in entities if kind not in ("application", "project")
                       and hasattr(e, "project_id")}
        projects = {p.id: p for p in db.session.scalars(
            sa.select(Project).where(Project.id.in_(project_ids)))} if project_ids else {}
        awaiting = _awaiting_endorsers([e for e in entities if kind == "application"
                                        and e.state == ApplicationState.ENDORSING])
        closers = _organisations_of({ep.ended_by.actor_id for e in entities for ep in limits.episodes(
            kind, history[e.id]) if ep.ended_by and ep.state == ApplicationState.ENDORSING.value})
        for entity in entities:
            prefecture = _prefecture_of(kind, entity, projects)
            for ep in limits.episodes(kind, history[entity.id]):
                days = stages.get(ep.state)
                if days is None or ep.paused:
                    continue
                state = k.flow.states(ep.state)
                endorsing = kind == "application" and state == ApplicationState.ENDORSING
                if ep.ended_by is not None:
                    office = str(closers.get(ep.ended_by.actor_id, THE_OFFICE)) if endorsing else THE_OFFICE
                    on_time = ep.ended_by.at <= limits.deadline_within(ep.spans, days)
                    out.append(Fact(kind, entity, state, office, prefecture, "on_time" if on_time else "late",
                                    ep.used(now), days))
                elif state == entity.state:
                    limit = limits.status(kind, entity, now, history[entity.id])
                    office = str(awaiting.get(entity.id, THE_OFFICE)) if endorsing else THE_OFFICE
                    outcome = {limits.Level.DUE_SOON: "due_soon", limits.Level.OVERDUE: "overdue"}.get(
                        limit.level, "running")
                    out.append(Fact(kind, entity, state, office, prefecture, outcome, limit.used, days))
    return out


def _awaiting_endorsers(applications: list[Application]) -> dict[int, int]:
    """application id → the IT office whose endorsement it awaits."""
    if not applications:
        return {}
    levels = {a.id: a.endorsement_level for a in applications}
    rows = db.session.execute(sa.select(Endorsement.application_id, Endorsement.position, Endorsement.office_id)
                              .where(Endorsement.application_id.in_(levels)))
    return {app_id: office for app_id, position, office in rows if levels[app_id] == position}


def _organisations_of(user_ids: set) -> dict[int, int]:
    user_ids = {u for u in user_ids if u is not None}
    if not user_ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.organisation_id).where(User.id.in_(user_ids))).all())


def labels(dimension: str, keys, locale: str = "zh") -> dict[str, str]:
    """Readable names of a dimension's keys (organisations and divisions in one query each)."""
    keys = set(keys)
    if dimension == "office":
        ids = [int(k) for k in keys if k.isdigit()]
        names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)
                                        .where(Organisation.id.in_(ids))).all()) if ids else {}
        return {k: names.get(int(k), k) if k.isdigit() else str(_l("The Information Office")) for k in keys}
    if dimension == "prefecture":
        codes = [k for k in keys if k != PROVINCE]
        names = dict(db.session.execute(sa.select(Division.code, Division.name)
                                        .where(Division.code.in_(codes))).all()) if codes else {}
        return {k: names.get(k, k) if k != PROVINCE else str(_l("Provincial departments")) for k in keys}
    names = {f"{kind}:{st.value}": f"{KINDS[kind].flow.label(locale)} · {st.label(locale)}"
             for kind, st, _days in limits.limited_stages()}
    return {k: names.get(k, k) for k in keys}


def board(actor: User, now: datetime | None = None, locale: str = "zh") -> Board:
    """The figures per office, per prefecture and per stage, and over all."""
    found = facts(actor, now)
    total = Figures()
    rows: dict[str, dict[str, Row]] = {d: {} for d in DIMENSIONS}
    for fact in found:
        total.add(fact)
        for dimension in DIMENSIONS:
            rows[dimension].setdefault(fact.key(dimension), Row(fact.key(dimension), "")).figures.add(fact)
    ordered: dict[str, list[Row]] = {}
    stage_order = [f"{k}:{st.value}" for k, st, _ in limits.limited_stages()]
    for dimension, by_key in rows.items():
        names = labels(dimension, by_key, locale)
        for row in by_key.values():
            row.label = names[row.key]
        if dimension == "stage":
            ordered[dimension] = sorted(by_key.values(), key=lambda r: stage_order.index(r.key))
        else:
            ordered[dimension] = sorted(by_key.values(), key=lambda r: (-r.figures.overdue, -r.figures.due_soon,
                                                                        r.label))
    return Board(total, ordered)


@dataclass(frozen=True)
class DrillItem:
    fact: Fact
    title: str


def drill_down(actor: User, dimension: str | None, key: str | None, measure: str | None,
               now: datetime | None = None) -> list[DrillItem]:
    """The items behind one figure of the board: a dimension's key (or all) and a measure
    (or all). Unknown dimensions and measures are ignored (the whole board's items)."""
    found = facts(actor, now)
    if dimension in DIMENSIONS and key:
        found = [f for f in found if f.key(dimension) == key]
    if measure in MEASURES:
        found = [f for f in found if f.counts_in(measure)]
    return [DrillItem(f, title_of(f.kind, f.entity)) for f in found]
