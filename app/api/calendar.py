"""The working-day calendar (工作日历): every signed-in user reads a year — its status and the
Office's entries —; administrators enter or remove a day, import a year's schedule (CSV, all or
nothing) and confirm a year, through the same app.services.time.schedule verbs and input
schemas as the calendar page."""
from __future__ import annotations

from datetime import date

from flask import request
from flask_smorest.fields import Upload
from marshmallow import RAISE

from app.api.auth import actor, json_body
from app.api.blueprint import (
    api_blueprint,
    documented_errors,
    json_request_body,
    multipart_request_body,
    refuse_unknown_parts,
)
from app.api.schemas import (
    CalendarDaySchema,
    CalendarOverviewSchema,
    CalendarYearStatusSchema,
    YearImportSchema,
)
from app.database import transaction
from app.services.time import calendar, schedule

YEAR = "<year:year>"

bp = api_blueprint("calendar", "/calendar",
                   "The working-day calendar (工作日历) that every deadline counts on: China's holidays and "
                   "调休 working days. Everyone signed in reads it; only administrators change it (anyone "
                   "else gets 403 with the reason).")


class ScheduleImportSchema(schedule.ScheduleSourceSchema):
    """The multipart body of a schedule import (documentation: the schedule service reads the
    file and loads ``source`` with its own schema); ``refuse_unknown_parts`` refuses any other part."""

    class Meta:
        unknown = RAISE

    file = Upload(required=True, metadata={
        "description": "CSV, UTF-8 or GB18030: the header date,kind,name, then one line per date "
                       "(kind holiday or workday)."})


@bp.route("/" + YEAR)
@bp.response(200, CalendarOverviewSchema)
@documented_errors(bp, 401, 404)
def get_year(year: int):
    """One year of the working-day calendar · 工作日历

    Whether the year is confirmed by the Office, by the holidays library or not at all (then
    deadlines count only weekends and the fixed-date holidays), the days the Office entered, and
    every holiday and working weekend the year resolves to. Years before 1950 or after 2200 are 404.
    """
    return schedule.year_overview(actor(), year)


@bp.route("/days", methods=["POST"])
@bp.doc(**json_request_body(schedule.DaySchema))
@bp.response(201, CalendarDaySchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def set_day():
    """Enter a day · 录入节假日或调休

    `date` (YYYY-MM-DD, 2000–2100), `kind` holiday (a day off on a weekday) or workday (a 调休
    working weekend) and an optional `name`. Entering a date again replaces the Office's earlier
    entry. Deadlines count on it at once.
    """
    data = json_body()
    with transaction():
        return schedule.set_day(actor(), data)


@bp.route("/days/<isodate:day>", methods=["DELETE"])
@bp.response(204)
@documented_errors(bp, 401, 403, 404, 409)
def remove_day(day: date):
    """Remove the Office's entry for a day · 删除录入的日期

    The holidays library, or the fallback rules, decide the date again. 404 when the Office
    entered nothing there (or the date is not a YYYY-MM-DD date).
    """
    with transaction():
        schedule.remove_day(actor(), day)


@bp.route("/imports", methods=["POST"])
@bp.doc(**multipart_request_body(ScheduleImportSchema))
@bp.response(200, YearImportSchema(many=True))
@documented_errors(bp, 400, 401, 403, 409, 413, 422)
def import_schedule():
    """Import a schedule · 导入年度安排 (CSV)

    multipart/form-data with `file` and an optional `source` (what the schedule follows; the
    file's name when blank). Each year in the file gets exactly the file's days as the Office's
    entries — its other entries in that year are removed — and is confirmed by the Office. All or
    nothing: if any line is wrong nothing changes and the answer is 422 with every problem in
    `fields`, keyed by line (`"line 3"`; `"file"` for the file as a whole).
    """
    refuse_unknown_parts(ScheduleImportSchema)
    upload = request.files.get("file")
    with transaction():
        return schedule.import_schedule(actor(), upload.read() if upload else None, request.form.get("source", ""),
                                        upload.filename if upload else "")


@bp.route(f"/{YEAR}/confirm", methods=["POST"])
@bp.doc(**json_request_body(schedule.ScheduleSourceSchema))
@bp.response(200, CalendarYearStatusSchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def confirm(year: int):
    """Confirm a year · 确认年度工作日历

    The Office vouches for the year (2000–2100) once it has entered every holiday and 调休
    working day of the State Council's schedule; `source` says what it follows. A year with no
    entered day that the holidays library does not cover is refused (422).
    """
    data = json_body()
    with transaction():
        schedule.confirm_year(actor(), year, data.get("source", ""))
    return calendar.year_status(year)
