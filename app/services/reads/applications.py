"""Read-side queries, always scoped by policies.visible_to: lists with filters and
pagination, the agency's evaluation history, counts for dashboards."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

import sqlalchemy as sa

from app.extensions import db
from app.models import Application, Evaluation, Project, User
from app.policies import visible_to
from workflows.evaluation import EvaluationState

T = TypeVar("T")
MAX_PER_PAGE = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class ApplicationFilters:
    """The filters of the applications list (web and API share them)."""

    batch_id: int | None = None
    state: str | None = None
    division_code: str | None = None  # a prefecture or county code: matches the area
    category: str | None = None
    domain: str | None = None
    year: int | None = None
    organisation_id: int | None = None
    q: str | None = None
    extra: dict = field(default_factory=dict)

    def clauses(self) -> list:
        c = []
        if self.batch_id:
            c.append(Application.batch_id == self.batch_id)
        if self.state:
            c.append(Application.state == self.state)
        if self.division_code:
            c.append(sa.or_(Application.division_code == self.division_code,
                            Application.prefecture_code == self.division_code))
        if self.category:
            c.append(Application.category == self.category)
        if self.domain:
            c.append(Application.domain == self.domain)
        if self.organisation_id:
            c.append(Application.organisation_id == self.organisation_id)
        if self.year:
            from app.models import Batch

            c.append(Application.batch_id.in_(sa.select(Batch.id).where(Batch.year == self.year)))
        if self.q:
            pattern = f"%{self.q.strip()}%"
            c.append(sa.or_(Application.name.ilike(pattern), Application.contact_name.ilike(pattern)))
        return c


def applications_query(actor: User, filters: ApplicationFilters):
    """The SELECT behind lists, exports and counts: visible rows matching the filters."""
    return sa.select(Application).where(visible_to(actor, Application), *filters.clauses())


def paginate(query, order_by, page: int = 1, per_page: int = 20) -> Page:
    """One COUNT and one page SELECT, whatever the page size (no per-row queries)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.order_by(*order_by).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), total or 0, page, per_page)


def list_applications(actor: User, filters: ApplicationFilters, page: int = 1,
                      per_page: int = 20) -> Page[Application]:
    return paginate(applications_query(actor, filters), (Application.id.desc(),), page, per_page)


def list_projects(actor: User, page: int = 1, per_page: int = 20, state: str | None = None,
                  batch_id: int | None = None) -> Page[Project]:
    base = sa.select(Project).where(visible_to(actor, Project))
    if state:
        base = base.where(Project.state == state)
    if batch_id:
        base = base.where(Project.batch_id == batch_id)
    return paginate(base, (Project.id.desc(),), page, per_page)


@dataclass(frozen=True)
class EvaluationRecord:
    project_id: int
    project_code: str
    project_name: str
    period: str
    total_score: object
    grade: object


def agency_evaluations(organisation_id: int) -> list[EvaluationRecord]:
    """Every graded evaluation of the agency's projects, newest first — shown beside any
    later application or follow-on funding request of that agency."""
    rows = db.session.execute(
        sa.select(Evaluation, Project.code, Project.name).join(Project, Project.id == Evaluation.project_id)
        .where(Evaluation.organisation_id == organisation_id, Evaluation.state == EvaluationState.GRADED)
        .order_by(Evaluation.graded_at.desc(), Evaluation.id.desc())).all()
    return [EvaluationRecord(e.project_id, code, name, e.period, e.total_score, e.grade) for e, code, name in rows]


def count_by(actor: User, model, column, *where) -> dict:
    """{value: count} of the visible rows of ``model`` grouped by ``column``."""
    rows = db.session.execute(sa.select(column, sa.func.count()).where(visible_to(actor, model), *where)
                              .group_by(column)).all()
    return {k: n for k, n in rows}
