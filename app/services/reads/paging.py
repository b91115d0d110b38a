"""The one paginate and its Page, attach() (a many-to-one in one query), Detail (an entity with
extras) and the lists with time limits: ``timed_page``/``timed_rows`` give each row its
``time_limit`` and keep, when asked, only the rows at one warning level (黄牌/红牌)."""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.database import unchanged_mark
from app.extensions import db
from app.kept import Kept
from app.kinds import MODEL_OF
from app.services.time import due

T = TypeVar("T")
MAX_PER_PAGE = 100
EXPORT_LIMIT = 10000  # rows an export, or a list filtered by warning level, reads at most


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# Counts kept while the database is unchanged: an exact COUNT reads every matching index entry
# (at 100,000 applications the largest part of a page), and most pages are read again before
# anything changes.
COUNTS = Kept("pilotflow.counts", 1024)


def kept_count(key: Hashable | None, run: Callable[[], T]) -> T:
    """``run()``'s result, kept for as long as the database reads the same
    (``database.unchanged_mark``: any committed change anywhere, and this transaction's own
    writes, end it). ``key`` holds what ``run`` reads besides the database: its statement and
    parameters (``statement_key``)."""
    mark = None if key is None else unchanged_mark()
    return run() if mark is None else COUNTS.get((key, mark), run)


def statement_key(statement) -> Hashable | None:
    """A statement as a value: its SQLAlchemy cache key (its structure) with its bound values;
    None when one of them is not a value (nothing is kept for it then)."""
    found = statement._generate_cache_key()  # None: SQLAlchemy cannot cache it either
    if found is None:
        return None
    key = found.key, tuple(tuple(v) if isinstance(v := p.effective_value, list) else v for p in found.bindparams)
    try:
        hash(key)
    except TypeError:
        return None
    return key


@dataclass(frozen=True)
class PageQuery:
    """A page's two statements: the COUNT of every matching row and the SELECT of the page's rows."""

    count: sa.Select
    rows: sa.Select
    page: int
    per_page: int

    @classmethod
    def of(cls, query, order_by, page: int = 1, per_page: int = 20) -> PageQuery:
        per_page = max(1, min(per_page, MAX_PER_PAGE))
        page = max(1, page)
        return cls(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()),
                   query.order_by(*order_by).limit(per_page).offset((page - 1) * per_page), page, per_page)

    @cached_property
    def count_key(self) -> Hashable:  # (built once: a kept PageQuery is asked on every visit)
        return statement_key(self.count)

    def run(self) -> Page:
        total = kept_count(self.count_key, lambda: db.session.scalar(self.count))
        items = db.session.scalars(self.rows).all()
        return Page(list(items), total or 0, self.page, self.per_page)


def paginate(query, order_by, page: int = 1, per_page: int = 20) -> Page:
    """One COUNT and one page SELECT, whatever the page size (no per-row queries)."""
    return PageQuery.of(query, order_by, page, per_page).run()


def attach(items, relationship: str, model, key: str) -> None:
    """Fill a many-to-one relationship of ``items`` with one query (instead of one per row)."""
    ids = {getattr(i, key) for i in items} - {None}
    if not ids:
        return
    by_id = {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}
    for item in items:
        set_committed_value(item, relationship, by_id.get(getattr(item, key)))


class Detail:
    """An entity with a few related read-only facts, reading through to the entity itself."""

    def __init__(self, entity, **extra):
        self.entity = entity
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self.entity, name)


def at_level(day, level: str) -> sa.ColumnElement[bool]:
    """The rows whose deadline day ``day`` (an SQL expression) stands at ``level`` now."""
    overdue_before, soon_until = due.thresholds()
    at = {"overdue": day < overdue_before, "due_soon": day.between(overdue_before, soon_until),
          "on_time": day > soon_until}[level]
    return sa.and_(day.is_not(None), at)  # false, not unknown, without a day (NOT of it is true)


@dataclass(frozen=True)
class Timed:
    """How a list's rows get their time limit: ``attach(rows)`` sets ``row.time_limit`` (its
    deadline and level, from the stored days: no history is read); ``at(level)`` is the clause
    of the rows at a warning level, on the same days, so a filtered list is counted and paged in
    SQL."""

    attach: Callable[[list], None]
    at: Callable[[str], sa.ColumnElement[bool]]

    @classmethod
    def of(cls, kind: str) -> Timed:
        """Items of a workflow kind: their own stage's deadline (``due.listed``)."""
        day = due.day_column(kind, MODEL_OF[kind])
        return cls(lambda rows: _attach(rows, due.listed(kind, rows)), lambda level: at_level(day, level))


def _attach(rows: list, found: dict) -> None:
    """Give each row its ``time_limit`` from ``found`` (by id)."""
    for row in rows:
        row.time_limit = found[row.id]


def timed_rows(query, order_by, timed: Timed, level: str | None = None, limit: int = EXPORT_LIMIT) -> list:
    """Every row of ``query`` (at most ``limit``) with its ``time_limit``; with ``level``
    (one of ``limits.FILTER_LEVELS``) only the rows at that level."""
    if level:
        query = query.where(timed.at(level))
    rows = list(db.session.scalars(query.order_by(*order_by).limit(limit)))
    timed.attach(rows)
    return rows


def timed_page(query, order_by, timed: Timed, page: int = 1, per_page: int = 20,
               level: str | None = None) -> Page:
    """``paginate`` with each row's ``time_limit``; with ``level``, only the rows at that level."""
    return _timed(_page_query(query, order_by, timed, page, per_page, level), timed)


# A list's two statements, kept by what they are built from (``kept_timed_page``): building a
# list's query, its COUNT and its page, and their cache keys, took 0.4–0.7 ms of a list page.
LIST_STATEMENTS = Kept("pilotflow.list_statements", 256)


def kept_timed_page(key: Hashable, build: Callable[[], sa.Select], order_by, timed: Timed, page: int = 1,
                    per_page: int = 20, level: str | None = None) -> Page:
    """``timed_page`` of the query ``build()`` makes, whose statements the app keeps: ``key``
    must hold everything ``build`` reads (the list, the actor's ``policies.scope_key``, the
    filters). The page, its size and, with a warning level, today's thresholds are added here."""
    statements = LIST_STATEMENTS.get(
        (key, page, per_page, level, due.thresholds() if level else None),
        lambda: _page_query(build(), order_by, timed, page, per_page, level))
    return _timed(statements, timed)


def _page_query(query, order_by, timed: Timed, page: int, per_page: int, level: str | None) -> PageQuery:
    return PageQuery.of(query.where(timed.at(level)) if level else query, order_by, page, per_page)


def _timed(statements: PageQuery, timed: Timed) -> Page:
    result = statements.run()
    timed.attach(result.items)
    return result
