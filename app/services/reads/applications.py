"""Applications as the web pages and the API read them: the filtered list, its export, one application."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Application, Batch, Organisation, PlanItem, Project, User
from app.policies import scope_key, visible_to
from app.services.engine.loading import load_visible
from app.services.reads.paging import (
    EXPORT_LIMIT,
    Detail,
    Page,
    Timed,
    attach,
    kept_timed_page,
    timed_rows,
)
from app.services.time import limits

ORDER = (Application.id.desc(),)
# A listed row's organisation and batch, joined into the page's one SELECT (many-to-one: no
# duplicated rows, and the COUNT beside it, a subquery, leaves them out). A row shows its
# organisation's name, not its division: the organisation's own joined division (the actor's
# scope needs it) is left out, which took a page of 20 rows from 1.86 to 1.21 ms in-process.
LISTED = (joinedload(Application.organisation).lazyload(Organisation.division), joinedload(Application.batch))
# The export names each row's division as well.
EXPORTED = (joinedload(Application.organisation), joinedload(Application.batch))


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
    level: str | None = None  # a time-limit warning level (limits.FILTER_LEVELS): on_time, due_soon, overdue
    extra: dict = field(default_factory=dict)

    def key(self) -> tuple:
        """Every filter's value, to keep a list's statements by."""
        return tuple(tuple(sorted(value.items())) if isinstance(value, dict) else value
                     for value in (getattr(self, f.name) for f in fields(self)))

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
            c.append(Application.batch_id.in_(sa.select(Batch.id).where(Batch.year == self.year)))
        if self.q:
            pattern = f"%{self.q.strip()}%"
            c.append(sa.or_(Application.name.ilike(pattern), Application.contact_name.ilike(pattern),
                           Application.number.ilike(pattern)))
        return c


def applications_query(actor: User, filters: ApplicationFilters):
    """The SELECT behind the list and the export: visible rows matching the filters."""
    return sa.select(Application).where(visible_to(actor, Application), *filters.clauses())


def list_applications(actor: User, filters: ApplicationFilters, page: int = 1,
                      per_page: int = 20) -> Page[Application]:
    """The list (web page and API), newest first: one COUNT and one SELECT of the page's rows with
    their organisations and batches; each row's time limit (``row.time_limit``) comes from its
    stored deadline day."""
    return kept_timed_page(("applications", scope_key(actor), filters.key()),
                           lambda: applications_query(actor, filters).options(*LISTED), ORDER,
                           Timed.of("application"), page, per_page, filters.level)


def all_applications(actor: User, filters: ApplicationFilters) -> list[Application]:
    """Exactly what the filtered list shows the actor, without pagination (for exports)."""
    rows = timed_rows(applications_query(actor, filters).options(*EXPORTED), ORDER, Timed.of("application"),
                      filters.level, EXPORT_LIMIT)
    attach(rows, "plan_item", PlanItem, "plan_item_id")
    return rows


def application_detail(actor: User, application_id: int) -> Detail:
    """One application the actor may see, with its project's id once approved (立项)."""
    app = load_visible(Application, application_id, actor)
    limits.attach_statuses("application", [app])
    project_id = db.session.scalar(sa.select(Project.id).where(Project.application_id == app.id))
    return Detail(app, project_id=project_id)
