"""Scoped reads beside app.services.reads.applications: reference data (organisations, batches, the plan
catalogue), lists of mid-term checks, acceptances and evaluations, the timeline of any item,
and dashboard statistics. Every list is paginated with a total and a stable order, and is
scoped by policies.visible_to — the same rule as details, downloads and counts."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import NotFound
from app.extensions import db
from app.kinds import MODEL_OF
from app.models import (
    Acceptance,
    Application,
    AuditRecord,
    Batch,
    Evaluation,
    Expert,
    MidtermCheck,
    Organisation,
    PlanItem,
    Project,
    User,
)
from app.policies import visible_to
from app.services.engine.loading import load_visible
from app.services.reads.applications import (
    ApplicationFilters,
    Page,
    agency_evaluations,
    list_applications,
    list_projects,
    paginate,
)
from app.services.reads.projects import visible_scores
from app.services.records.audit import history


class Detail:
    """An entity with a few related read-only facts, reading through to the entity itself."""

    def __init__(self, entity, **extra):
        self.entity = entity
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self.entity, name)


# --- applications and projects ----------------------------------------------------------------
def application_page(actor: User, filters: ApplicationFilters, page: int = 1,
                     per_page: int = 20) -> Page[Application]:
    """The web list's query, with the rows' organisations loaded in one more query."""
    result = list_applications(actor, filters, page, per_page)
    attach(result.items, "organisation", Organisation, "organisation_id")
    return result


def application_detail(actor: User, application_id: int) -> Detail:
    app = load_visible(Application, application_id, actor)
    project_id = db.session.scalar(sa.select(Project.id).where(Project.application_id == app.id))
    return Detail(app, project_id=project_id)


def agency_history(actor: User, kind: str, entity_id: int) -> list:
    """The graded evaluations of the agency behind an application or project the actor may see:
    what reviewers weigh beside a new application or a follow-on funding request."""
    entity = load_visible(MODEL_OF[kind], entity_id, actor)
    return agency_evaluations(entity.organisation_id)


def project_page(actor: User, state: str | None = None, batch_id: int | None = None, page: int = 1,
                 per_page: int = 20) -> Page[Project]:
    result = list_projects(actor, page, per_page, state=state, batch_id=batch_id)
    attach(result.items, "organisation", Organisation, "organisation_id")
    return result


def acceptance_detail(actor: User, acceptance_id: int) -> Detail:
    """An acceptance round with its panel (experts and their names) and the scores the actor may
    see — the same rule as the page (programme.visible_scores)."""
    access = visible_scores(actor, acceptance_id)
    members = access.acceptance.members
    attach(members, "expert", Expert, "expert_id")
    attach([m.expert for m in members], "user", User, "user_id")
    return Detail(access.acceptance, members=members, scores=access.scores)


# --- reference data: every signed-in user may read it ---------------------------------------
def list_organisations(kind: str | None = None, division_code: str | None = None, q: str | None = None,
                       page: int = 1, per_page: int = 20) -> Page[Organisation]:
    query = sa.select(Organisation)
    if kind:
        query = query.where(Organisation.kind == kind)
    if division_code:
        query = query.where(Organisation.division_code == division_code)
    if q and q.strip():
        pattern = f"%{q.strip()}%"
        query = query.where(sa.or_(Organisation.name.ilike(pattern), Organisation.code.ilike(pattern)))
    return paginate(query, (Organisation.code, Organisation.id), page, per_page)


def get_organisation(organisation_id: int) -> Organisation:
    return _get(Organisation, organisation_id)


def list_batches(year: int | None = None, page: int = 1, per_page: int = 20) -> Page[Batch]:
    query = sa.select(Batch)
    if year:
        query = query.where(Batch.year == year)
    return paginate(query, (Batch.year.desc(), Batch.id.desc()), page, per_page)


def get_batch(batch_id: int) -> Batch:
    return _get(Batch, batch_id)


def list_plan_items(active: bool | None = True, category: str | None = None, domain: str | None = None,
                    page: int = 1, per_page: int = 20) -> Page[PlanItem]:
    query = sa.select(PlanItem)
    if active is not None:
        query = query.where(PlanItem.active.is_(active))
    if category:
        query = query.where(PlanItem.category == category)
    if domain:
        query = query.where(PlanItem.domain == domain)
    return paginate(query, (PlanItem.code, PlanItem.id), page, per_page)


def get_plan_item(item_id: int) -> PlanItem:
    return _get(PlanItem, item_id)


def _get(model, entity_id: int):
    entity = db.session.get(model, entity_id)
    if entity is None:
        raise NotFound(f"{model.__tablename__} {entity_id}")
    return entity


# --- the programme's later stages, scoped ---------------------------------------------------
def list_midterm_checks(actor: User, project_id: int | None = None, year: int | None = None,
                        state: str | None = None, page: int = 1, per_page: int = 20) -> Page[MidtermCheck]:
    query = sa.select(MidtermCheck).where(visible_to(actor, MidtermCheck))
    if project_id:
        query = query.where(MidtermCheck.project_id == project_id)
    if year:
        query = query.where(MidtermCheck.year == year)
    if state:
        query = query.where(MidtermCheck.state == state)
    return paginate(query, (MidtermCheck.id.desc(),), page, per_page)


def list_acceptances(actor: User, project_id: int | None = None, state: str | None = None,
                     page: int = 1, per_page: int = 20) -> Page[Acceptance]:
    query = sa.select(Acceptance).where(visible_to(actor, Acceptance))
    if project_id:
        query = query.where(Acceptance.project_id == project_id)
    if state:
        query = query.where(Acceptance.state == state)
    return paginate(query, (Acceptance.id.desc(),), page, per_page)


def list_evaluations(actor: User, project_id: int | None = None, period: str | None = None,
                     state: str | None = None, page: int = 1, per_page: int = 20) -> Page[Evaluation]:
    query = sa.select(Evaluation).where(visible_to(actor, Evaluation))
    if project_id:
        query = query.where(Evaluation.project_id == project_id)
    if period:
        query = query.where(Evaluation.period == period)
    if state:
        query = query.where(Evaluation.state == state)
    return paginate(query, (Evaluation.id.desc(),), page, per_page)


def timeline(actor: User, kind: str, entity_id: int) -> list[AuditRecord]:
    """The decision history of an item the actor may see (its actors loaded in one query)."""
    load_visible(MODEL_OF[kind], entity_id, actor)
    records = history(kind, entity_id)
    attach(records, "actor", User, "actor_id")
    return records


def attach(items, relationship: str, model, key: str) -> None:
    """Fill a many-to-one relationship of ``items`` with one query (instead of one per row)."""
    ids = {getattr(i, key) for i in items} - {None}
    if not ids:
        return
    by_id = {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}
    for item in items:
        set_committed_value(item, relationship, by_id.get(getattr(item, key)))
