"""Working days on the People's Republic of China's official calendar, 调休 included.

Whether a date is a working day is decided by the first of these that knows it:

1. the Office: a date it entered (``CalendarDay``), a holiday or a 调休 working day;
2. the ``holidays`` library, for the years it really covers: those for which it carries the
   State Council's published schedule (its special holidays, with the weekend working days);
3. the fallback, for any other year: Monday to Friday less the statutory holidays that fall on a
   fixed date (元旦 1/1, 劳动节 5/1 — and 5/2 since 2025 —, 国庆节 10/1–10/3).

A year is *confirmed* by the Office (it entered or confirmed the year), by the library (case 2),
or not at all. The fallback knows nothing of Spring Festival, Qingming, Dragon Boat or Mid-Autumn
or of any 调休, so deadlines in an unconfirmed year are only estimates; the pages say so.

A year is resolved once per *revision* of the Office's entries and kept by the app for every
transaction that reads the same revision (the library's data once per process), so a list may ask
per item and a page pays one small query for the calendar. The revision is the number of audit
records of calendar changes: every change writes one in its own transaction and audit records are
never deleted, so the number grows with every change that commits, whatever the order in which
concurrent changes commit, and each process, on any machine, sees a change once it commits.
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache, lru_cache

import holidays
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import clock
from app.database import read
from app.errors import Invalid
from app.extensions import db
from app.models import AuditRecord, CalendarDay, CalendarYear, DayKind, User
from workflows.engine import LabelledEnum

LIBRARY_VERSION = holidays.__version__
_WEEKEND = (5, 6)  # Saturday, Sunday
_MEMO_KEY = "working_day_calendar"
_SHARED_KEY = "pilotflow.calendar"  # in app.extensions: the years resolved at the latest revision read
KEEP_YEARS = 64  # resolved years an app keeps (a far-off count resolves the years it crosses again)
AUDIT_ENTITY = "calendar"  # the entity type of the audit record every change of the calendar writes
BEIJING = clock.BEIJING


class Source(LabelledEnum):
    """Who vouches for a year's schedule."""

    OFFICE = ("office", "省信息办已确认", "Confirmed by the Office")
    LIBRARY = ("library", "holidays 库已收录", "Confirmed by the holidays library")
    UNCONFIRMED = ("unconfirmed", "未确认", "Unconfirmed")


class Origin(LabelledEnum):
    """Where a single special date comes from."""

    OFFICE = ("office", "省信息办录入", "Entered by the Office")
    LIBRARY = ("library", "holidays 库", "holidays library")
    STATUTE = ("statute", "固定日期法定节假日", "Fixed-date statutory holiday")


@dataclass(frozen=True)
class SpecialDay:
    """A date that breaks the Monday-to-Friday rule, or that the Office entered."""

    date: dt.date
    working: bool
    origin: Origin
    name: str
    name_en: str = ""

    def label(self, locale: str = "zh") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


@dataclass(frozen=True)
class YearPlan:
    """One year resolved: its working days (as ordinals, sorted) and its special dates."""

    year: int
    source: Source
    working: tuple[int, ...]
    special: tuple[SpecialDay, ...]
    _working_set: frozenset[int] = field(repr=False, compare=False, default=frozenset())

    def __post_init__(self):
        object.__setattr__(self, "_working_set", frozenset(self.working))

    def is_working(self, day: dt.date) -> bool:
        return day.toordinal() in self._working_set


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: Source
    confirmed_by: str = ""
    confirmed_at: dt.datetime | None = None
    note: str = ""

    @property
    def confirmed(self) -> bool:
        return self.source is not Source.UNCONFIRMED


def today() -> dt.date:
    """Today in Beijing, whatever the server's clock zone."""
    return clock.today()


# --- the library and the fallback: immutable, computed once per process ------------------------
@cache
def library_covers(year: int) -> bool:
    """True when the library carries the State Council's schedule for ``year``: its special
    holidays (the 调休 days off) and at least one weekend working day. For later years it only
    extrapolates the statutory holidays by rule (2027 in holidays 0.109), which is not enough."""
    if not holidays.China.start_year <= year <= holidays.China.end_year:
        return False
    cn = holidays.China(years=year)
    published = year in (getattr(cn, "special_public_holidays", None) or {})
    return published and any(d.year == year for d in cn.weekend_workdays)


@lru_cache(maxsize=1)
def library_years() -> tuple[int, ...]:
    """Every year the library really covers (2001–2026 in holidays 0.109)."""
    return tuple(y for y in range(holidays.China.start_year, holidays.China.end_year + 1) if library_covers(y))


def fixed_holidays(year: int) -> dict[dt.date, tuple[str, str]]:
    """The statutory holidays on fixed dates (《全国年节及纪念日放假办法》): 劳动节 was three days
    until 2007, one from 2008, two (1–2 May) since 2025 (国务院令第798号)."""
    labour = 3 if year <= 2007 else 2 if year >= 2025 else 1
    days = {dt.date(year, 1, 1): ("元旦", "New Year's Day")}
    days.update({dt.date(year, 5, d): ("劳动节", "Labour Day") for d in range(1, labour + 1)})
    days.update({dt.date(year, 10, d): ("国庆节", "National Day") for d in (1, 2, 3)})
    return days


def _days_of(year: int):
    day, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    while True:
        yield day
        if day == end:
            return
        day += dt.timedelta(days=1)


@lru_cache(maxsize=512)
def _base(year: int) -> tuple[Source, tuple[SpecialDay, ...]]:
    """The year before the Office's entries: the library's schedule, or the fallback."""
    if library_covers(year):
        zh, en = holidays.China(years=year, language="zh_CN"), holidays.China(years=year, language="en_US")
        special = [SpecialDay(d, False, Origin.LIBRARY, name, en.get(d, name)) for d, name in zh.items()
                   if d.year == year]
        special += [SpecialDay(d, True, Origin.LIBRARY, "调休上班", "Working day (调休)")
                    for d in zh.weekend_workdays if d.year == year]
        return Source.LIBRARY, tuple(sorted(special, key=lambda s: s.date))
    return Source.UNCONFIRMED, tuple(SpecialDay(d, False, Origin.STATUTE, zh_name, en_name)
                                     for d, (zh_name, en_name) in sorted(fixed_holidays(year).items()))


def _resolve(year: int, office: list[CalendarDay], confirmed: bool) -> YearPlan:
    source, base = _base(year)
    special = {s.date: s for s in base}
    for entry in office:
        working = entry.kind is DayKind.WORKDAY
        special[entry.date] = SpecialDay(entry.date, working, Origin.OFFICE,
                                         entry.name or entry.kind.zh, entry.name or entry.kind.en)
    working = tuple(d.toordinal() for d in _days_of(year)
                    if (special[d].working if d in special else d.weekday() not in _WEEKEND))
    return YearPlan(year, Source.OFFICE if confirmed else source, working,
                    tuple(s for _, s in sorted(special.items())))


# --- the Office's entries: resolved once per revision ----------------------------------------
class _Years:
    """The years resolved at one revision of the Office's entries, and the years it confirmed."""

    def __init__(self, revision: int | None):  # None: this transaction's own, uncommitted change
        self.revision = revision
        self.confirmed: frozenset[int] | None = None
        self.plans: dict[int, YearPlan] = {}


class _Memo:
    """What one transaction reads of the calendar: its revision's years, and the confirmations
    with their names (for the calendar's own pages)."""

    def __init__(self, transaction=None, years: _Years | None = None):
        self.transaction = transaction
        self.years = years
        self.statuses: dict[int, YearStatus] | None = None


def _memo() -> _Memo:
    """The calendar as this transaction reads it; a new transaction starts afresh, so a commit
    or rollback anywhere (another request's edit included) is seen next time."""
    session = db.session()
    memo = session.info.get(_MEMO_KEY)
    current = session.get_transaction()
    if memo is None or current is None or memo.transaction is not current:
        memo = _Memo()
        session.info[_MEMO_KEY] = memo
    return memo


_REVISION = sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.entity_type == AUDIT_ENTITY)


def _years(memo: _Memo) -> _Years:
    """The years of the revision this transaction reads: the app's, when it is the revision the
    app resolved last, else resolved afresh and kept for the transactions that follow."""
    if memo.years is None:
        revision = read(_REVISION).scalar()
        shared = current_app.extensions.get(_SHARED_KEY)
        if shared is None or shared.revision != revision:
            shared = current_app.extensions[_SHARED_KEY] = _Years(revision)
        memo.years, memo.transaction = shared, db.session().get_transaction()
    return memo.years


def changed() -> None:
    """The Office changed its entries in this transaction (the schedule's writes call it): from
    here on the transaction resolves its years afresh and keeps them to itself, for the change
    may still roll back. Other transactions see the change's audit record once it commits."""
    session = db.session()
    session.info[_MEMO_KEY] = _Memo(session.get_transaction(), _Years(None))


def _confirmed_years(memo: _Memo) -> dict[int, YearStatus]:
    if memo.statuses is None:
        rows = db.session.execute(sa.select(CalendarYear, User.display_name)
                                  .join(User, User.id == CalendarYear.confirmed_by_id)).all()
        memo.statuses = {row.year: YearStatus(row.year, Source.OFFICE, name, row.confirmed_at, row.source)
                         for row, name in rows}
        memo.transaction = db.session().get_transaction()
    return memo.statuses


def _check_year(year: int) -> None:
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise Invalid({"year": str(_l("Enter a year between %(a)s and %(b)s.", a=dt.MINYEAR, b=dt.MAXYEAR))})


def plans(first: int, last: int) -> list[YearPlan]:
    """The years ``first``..``last`` resolved; the Office's entries of the missing ones in one query.
    The app keeps up to ``KEEP_YEARS`` of them; a year beyond is resolved for this call only."""
    _check_year(first), _check_year(last)
    years = _years(_memo())
    found = {y: years.plans.get(y) for y in range(first, last + 1)}
    missing = [y for y, plan in found.items() if plan is None]
    if missing:
        if years.confirmed is None:
            years.confirmed = frozenset(db.session.scalars(sa.select(CalendarYear.year)))
        entries = db.session.scalars(sa.select(CalendarDay).where(
            CalendarDay.date.between(dt.date(missing[0], 1, 1), dt.date(missing[-1], 12, 31)))).all()
        by_year: dict[int, list[CalendarDay]] = {}
        for entry in entries:
            by_year.setdefault(entry.date.year, []).append(entry)
        resolved = {year: _resolve(year, by_year.get(year, []), year in years.confirmed) for year in missing}
        found.update(resolved)
        if len(years.plans) + len(resolved) <= KEEP_YEARS:
            years.plans.update(resolved)
    return [found[y] for y in range(first, last + 1)]


def year_plan(year: int) -> YearPlan:
    return plans(year, year)[0]


# --- the rules --------------------------------------------------------------------------------
def is_working_day(day: dt.date) -> bool:
    return year_plan(day.year).is_working(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (the count starts the day after; n ≥ 1).

    2026-09-28 + 5 = 2026-10-10 (National Day week off, then the 调休 Saturday)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise Invalid({"n": str(_l("Count at least one working day (the count starts the day after)."))})
    after, remaining, year = start.toordinal(), n, start.year
    while year <= dt.MAXYEAR:
        plan = year_plan(year)
        first = bisect_right(plan.working, after)
        available = len(plan.working) - first
        if remaining <= available:
            return dt.date.fromordinal(plan.working[first + remaining - 1])
        remaining -= available
        year += 1
    raise Invalid({"n": str(_l("The result lies beyond the end of the calendar."))})


def working_days_between(a: dt.date, b: dt.date) -> int:
    """How many working days lie after ``a`` up to and including ``b`` (negative if b < a), so
    that ``working_days_between(d, add_working_days(d, n)) == n``."""
    if b < a:
        return -working_days_between(b, a)
    low, high = a.toordinal(), b.toordinal()
    return sum(bisect_right(p.working, high) - bisect_right(p.working, low) for p in plans(a.year, b.year))


def year_status(year: int) -> YearStatus:
    """Confirmed by the Office, by the library, or unconfirmed (the fallback decides)."""
    _check_year(year)
    office = _confirmed_years(_memo()).get(year)
    if office is not None:
        return office
    if library_covers(year):
        return YearStatus(year, Source.LIBRARY, note=f"holidays {LIBRARY_VERSION}")
    return YearStatus(year, Source.UNCONFIRMED)


def office_confirmed_years() -> list[YearStatus]:
    return [s for _, s in sorted(_confirmed_years(_memo()).items())]
