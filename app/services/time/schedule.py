"""The Office's own calendar entries: a single day added or removed, a year's schedule imported
from CSV (all or nothing), a year confirmed. Only the "calendar_editor" policy may write; every
write is audited (entity_type "calendar", entity_id the year) and never commits."""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates,
)

from app import policies
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import CalendarDay, CalendarYear, DayKind, User
from app.models.base import utcnow
from app.schemas import load
from app.services.records import audit
from app.services.time import calendar, due

FIRST_YEAR, LAST_YEAR = 2000, 2100  # what the Office may enter
VIEWABLE_YEARS = (FIRST_YEAR - 50, LAST_YEAR + 100)  # what the calendar page and the API show
MAX_LINES = 2000
MAX_PROBLEMS = 50
HEADERS = (["date", "kind", "name"], ["日期", "类型", "名称"])
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _required():
    return {"required": str(_l("This field is required.")), "null": str(_l("This field is required."))}


def _year_range_message() -> str:
    return str(_l("The date must lie in the years %(a)s to %(b)s.", a=FIRST_YEAR, b=LAST_YEAR))


class DaySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    date = fields.Date(required=True, error_messages=_required())
    kind = fields.Enum(DayKind, by_value=True, required=True, error_messages=_required())
    name = fields.String(load_default="", validate=validate.Length(max=64))

    @validates("date")
    def _in_range(self, value: dt.date, **_):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(_year_range_message())


class ScheduleSourceSchema(Schema):
    """What a confirmed year follows (the State Council's notice…): confirming a year and
    importing a schedule both take it. Surrounding blanks are dropped; blank means none given."""

    class Meta:
        unknown = EXCLUDE

    source = fields.String(load_default="", validate=validate.Length(max=256), metadata={
        "description": "What the schedule follows, e.g. 国办发明电〔2026〕x号 (at most 256 characters)."})

    @pre_load
    def _strip(self, data, **_):
        value = data.get("source") if isinstance(data, dict) else None
        if isinstance(data, dict) and (value is None or isinstance(value, str)):
            return {**data, "source": (value or "").strip()}
        return data


@dataclass(frozen=True)
class Entry:
    line: int
    date: dt.date
    kind: DayKind
    name: str


class ScheduleRefused(Invalid):
    """A schedule file that cannot be imported; ``problems`` lists (line, message), line 0 for
    the file as a whole. Nothing has been written."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__({(f"line {n}" if n else "file"): message for n, message in problems})


@dataclass
class YearImport:
    year: int
    days: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


# --- reading --------------------------------------------------------------------------------
def office_days(actor: User, year: int) -> list[CalendarDay]:
    """The days the Office has entered in ``year``, in date order, with who entered them."""
    policies.require("calendar_reader", actor)
    return list(db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))).order_by(CalendarDay.date)))


def statuses(actor: User, around: int) -> list[calendar.YearStatus]:
    """Last year, this year and the next two, plus every year the Office has confirmed."""
    policies.require("calendar_reader", actor)
    years = set(range(around - 1, around + 3)) | {s.year for s in calendar.office_confirmed_years()}
    return [calendar.year_status(y) for y in sorted(years)]


@dataclass(frozen=True)
class YearOverview:
    """What the calendar page shows for one year."""

    year: int
    status: calendar.YearStatus
    plan: calendar.YearPlan
    days: list[CalendarDay]
    statuses: list[calendar.YearStatus]
    unconfirmed: list[calendar.YearStatus]
    library_span: tuple[int, int] | None
    can_edit: bool


def viewable(year: int) -> bool:
    """Whether the calendar page and the API show ``year`` (``VIEWABLE_YEARS``)."""
    return VIEWABLE_YEARS[0] <= year <= VIEWABLE_YEARS[1]


def year_overview(actor: User, year: int) -> YearOverview:
    """One year for the calendar page (and the API): its status and plan, the Office's entries,
    the years around. Years far outside what the Office may enter are not found."""
    policies.require("calendar_reader", actor)
    if not viewable(year):
        raise NotFound(f"calendar year {year}")
    days = office_days(actor, year)
    covered = calendar.library_years()
    return YearOverview(year, calendar.year_status(year), calendar.year_plan(year), days,
                        statuses(actor, calendar.today().year), unconfirmed_soon(),
                        (covered[0], covered[-1]) if covered else None,
                        bool(policies.check("calendar_editor", actor)))


def unconfirmed_soon(today: dt.date | None = None) -> list[calendar.YearStatus]:
    """This year and next, when neither the Office nor the library vouches for them."""
    year = (today or calendar.today()).year
    return [s for s in (calendar.year_status(year), calendar.year_status(year + 1)) if not s.confirmed]


# --- single days ----------------------------------------------------------------------------
def set_day(actor: User, data: dict) -> CalendarDay:
    """Enter one date as a holiday or a working day (replacing the Office's earlier entry)."""
    policies.require("calendar_editor", actor)
    fields_ = load(DaySchema(), data)
    day = db.session.scalar(sa.select(CalendarDay).where(CalendarDay.date == fields_["date"]))
    before = None if day is None else {"kind": day.kind.value, "name": day.name}
    if day is None:
        day = CalendarDay(date=fields_["date"])
        db.session.add(day)
    day.kind, day.name = fields_["kind"], fields_["name"].strip()
    day.entered_by_id, day.entered_at = actor.id, utcnow()
    db.session.flush()
    _record(actor, day.date.year, "calendar_set_day", {"date": day.date, "kind": day.kind.value,
                                                       "name": day.name, "before": before})
    _working_days_moved()
    return day


def remove_day(actor: User, day: dt.date) -> None:
    """Take back the Office's entry for one date: the library or the fallback decide again."""
    policies.require("calendar_editor", actor)
    entry = db.session.scalar(sa.select(CalendarDay).where(CalendarDay.date == day))
    if entry is None:
        raise NotFound(f"calendar day {day.isoformat()}")
    _record(actor, day.year, "calendar_remove_day", {"date": day, "kind": entry.kind.value, "name": entry.name})
    db.session.delete(entry)
    db.session.flush()
    _working_days_moved()


def confirm_year(actor: User, year: int, source: str = "") -> CalendarYear:
    """The Office vouches for a year: the days it entered there, over the library or fallback."""
    policies.require("calendar_editor", actor)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid({"year": str(_l("Enter a year between 2000 and 2100."))})
    source = _source(source)
    entered = db.session.scalar(sa.select(sa.func.count(CalendarDay.id)).where(
        CalendarDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))))
    if not entered and not calendar.library_covers(year):
        raise Invalid({"year": str(_l("Enter %(year)s's holidays and 调休 working days first: without them "
                                      "the year knows no Spring Festival and no 调休.", year=year))})
    row = _confirm(actor, year, source)
    _record(actor, year, "calendar_confirm_year", {"year": year, "source": source, "days": entered})
    _working_days_moved()
    return row


def _confirm(actor: User, year: int, source: str) -> CalendarYear:
    row = db.session.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year)
        db.session.add(row)
    row.source, row.confirmed_by_id, row.confirmed_at = source, actor.id, utcnow()
    db.session.flush()
    return row


def _source(source: str) -> str:
    return load(ScheduleSourceSchema(), {"source": source})["source"]


def _source_of_file(source: str, filename: str | None) -> str:
    """The source given, or else the uploaded file's name (shortened, unprintable characters dropped)."""
    return _source(source) or "".join(c for c in (filename or "") if c.isprintable()).strip()[:256]


def _working_days_moved() -> None:
    """After a change of the Office's entries (in its transaction): the calendar is resolved
    afresh, and every stored deadline day is read again."""
    calendar.changed()
    due.refresh()


def _record(actor: User, year: int, trigger: str, payload: dict) -> None:
    audit.record(entity_type=calendar.AUDIT_ENTITY, entity_id=year, trigger=trigger, actor=actor, role="admin",
                 payload=payload)


# --- a whole schedule from CSV --------------------------------------------------------------
def _decode(raw: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on a Chinese Windows saves GB18030
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _line_problem(line: int, reason) -> tuple[int, str]:
    return line, str(_l("Line %(line)d: %(reason)s", line=line, reason=str(reason)))


def _parse_line(number: int, cells: list[str]) -> Entry | str:
    """One data line as an Entry, or the reason it is refused."""
    while len(cells) > 3 and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) not in (2, 3):
        return str(_l("Expected three columns: date,kind,name."))
    text, kind, name = (c.strip() for c in (cells + [""])[:3])
    if not ISO_DATE.match(text):
        return str(_l("“%(value)s” is not a date in the form YYYY-MM-DD.", value=text[:32]))
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return str(_l("“%(value)s” is not a date in the form YYYY-MM-DD.", value=text))
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return _year_range_message()
    try:
        kind_ = DayKind(kind.lower())
    except ValueError:
        return str(_l("The kind must be holiday or workday, not “%(value)s”.", value=kind[:32]))
    if len(name) > 64:
        return str(_l("The name is longer than %(n)d characters.", n=64))
    if "\x00" in name:
        return str(_l("Text must not contain NUL or unpaired surrogate characters."))
    return Entry(number, day, kind_, name)


def parse_schedule(raw: bytes) -> list[Entry]:
    """Read ``date,kind,name`` lines (a header first); refuse the whole file, naming every bad
    line and why, if any line is wrong."""
    text = _decode(raw)
    if text is None:
        raise ScheduleRefused([(0, str(_l("The file is not UTF-8 (or GB18030) text.")))])
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ScheduleRefused([(0, str(_l("The file has more than %(n)d lines.", n=MAX_LINES)))])
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    if not numbered:
        raise ScheduleRefused([(0, str(_l("The file is empty.")))])
    problems: list[tuple[int, str]] = []
    header_line, header = numbered[0]
    if [c.strip().lower() for c in next(csv.reader([header.lstrip("\ufeff")]))] not in HEADERS:
        problems.append(_line_problem(header_line, _l("The first line must be the header date,kind,name.")))
    entries: list[Entry] = []
    seen: dict[dt.date, int] = {}
    for number, line in numbered[1:]:
        parsed = _parse_line(number, next(csv.reader([line])))
        if isinstance(parsed, Entry) and parsed.date in seen:
            parsed = str(_l("The date %(date)s is already on line %(line)d.", date=parsed.date.isoformat(),
                            line=seen[parsed.date]))
        if isinstance(parsed, Entry):
            seen[parsed.date] = number
            entries.append(parsed)
        else:
            problems.append(_line_problem(number, parsed))
    if not entries and not problems:
        problems.append((0, str(_l("The file lists no days."))))
    if problems:
        if len(problems) > MAX_PROBLEMS:
            extra = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [(0, str(_l("… and %(n)d more problems.", n=extra)))]
        raise ScheduleRefused(problems)
    return entries


def import_schedule(actor: User, raw: bytes | None, source: str = "", filename: str = "") -> list[YearImport]:
    """Each year in the file gets exactly the file's days as the Office's entries (earlier
    entries of that year not in the file are removed) and is marked confirmed, with ``source``
    — or, when none is given, the file's name — as what it follows. ``raw`` None means no file
    was sent. A file with any bad line is refused whole and nothing is written."""
    policies.require("calendar_editor", actor)
    source = _source_of_file(source, filename)
    if raw is None:
        raise ScheduleRefused([(0, str(_l("Choose a file to upload.")))])
    entries = parse_schedule(raw)
    by_year: dict[int, list[Entry]] = {}
    for entry in entries:
        by_year.setdefault(entry.date.year, []).append(entry)
    reports = []
    for year, wanted in sorted(by_year.items()):
        reports.append(_replace_year(actor, year, wanted))
        _confirm(actor, year, source)
        report = reports[-1]
        _record(actor, year, "calendar_import", {"year": year, "source": source, "days": report.days,
                                                 "added": report.added, "changed": report.changed,
                                                 "removed": report.removed})
    _working_days_moved()
    return reports


def _replace_year(actor: User, year: int, wanted: list[Entry]) -> YearImport:
    existing = {d.date: d for d in db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))))}
    report, now = YearImport(year, len(wanted)), utcnow()
    for entry in wanted:
        day = existing.pop(entry.date, None)
        if day is None:
            db.session.add(CalendarDay(date=entry.date, kind=entry.kind, name=entry.name,
                                       entered_by_id=actor.id, entered_at=now))
            report.added.append(entry.date.isoformat())
        elif (day.kind, day.name) != (entry.kind, entry.name):
            day.kind, day.name, day.entered_by_id, day.entered_at = entry.kind, entry.name, actor.id, now
            report.changed.append(entry.date.isoformat())
    for day in existing.values():
        db.session.delete(day)
        report.removed.append(day.date.isoformat())
    db.session.flush()
    return report
