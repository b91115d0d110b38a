"""The working-day calendar page: every signed-in user reads each year's status and the Office's
entries; administrators add or remove a day, upload a year's schedule (CSV, all or nothing) and
confirm a year. Each form calls one app.services.time.schedule verb."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.bounds import ascii_int
from app.database import transaction
from app.errors import Invalid
from app.models import DayKind
from app.services.time import calendar, schedule

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@bp.app_context_processor
def _calendar_warnings() -> dict:
    """Templates may ask which of this year and next are unconfirmed (the admin pages do)."""
    return {"unconfirmed_calendar_years": schedule.unconfirmed_soon}


def _page(year: int, status: int = 200, **context):
    """The year's page; a form that failed passes ``form`` (which one), ``errors``, ``values``."""
    context = {"form": None, "errors": {}, "values": {}, "problems": [], **context}
    return render_template("admin/calendar.html", ov=schedule.year_overview(current_user, year), kinds=list(DayKind),
                           library_version=calendar.LIBRARY_VERSION, **context), status


def _year_of(text: str) -> int:
    """The year whose page answers a refused form: the one the form named, when the page can
    show it; else this year (a refused date is an error on the form, never a missing page)."""
    year = ascii_int(text[:4])
    return year if year is not None and schedule.viewable(year) else calendar.today().year


@bp.get("/")
@bp.get("/<int:year>")
@login_required
def index(year: int | None = None):
    return _page(year or calendar.today().year)


@bp.post("/days")
@login_required
def set_day():
    data = {k: request.form.get(k, "").strip() for k in ("date", "kind", "name")}
    try:
        with transaction():
            day = schedule.set_day(current_user, data)
            saved = day.date
    except Invalid as exc:
        return _page(_year_of(data["date"]), 422, form="day", errors=exc.errors, values=data)
    flash(_("%(date)s has been entered.", date=saved.isoformat()), "success")
    return redirect(url_for("calendar.index", year=saved.year))


@bp.post("/days/<day>/remove")
@login_required
def remove_day(day: str):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    with transaction():
        schedule.remove_day(current_user, when)
    flash(_("The Office's entry for %(date)s has been removed.", date=when.isoformat()), "success")
    return redirect(url_for("calendar.index", year=when.year))


@bp.post("/import")
@login_required
def import_schedule():
    upload = request.files.get("file")
    year = _year_of(request.form.get("year", ""))
    try:
        with transaction():
            reports = schedule.import_schedule(current_user, upload.read() if upload else None,
                                               request.form.get("source", ""), upload.filename if upload else "")
            years = [r.year for r in reports]
    except schedule.ScheduleRefused as exc:
        return _page(year, 422, form="import", problems=exc.problems, values={"source": request.form.get("source", "")})
    except Invalid as exc:
        return _page(year, 422, form="import", errors=exc.errors, values={"source": request.form.get("source", "")})
    flash(_("The schedule has been imported and confirmed for %(years)s.", years=", ".join(map(str, years))),
          "success")
    return redirect(url_for("calendar.index", year=years[0]))


@bp.post("/<int:year>/confirm")
@login_required
def confirm(year: int):
    source = request.form.get("confirm_source", "").strip()
    try:
        with transaction():
            schedule.confirm_year(current_user, year, source)
    except Invalid as exc:
        errors = {("confirm_source" if k == "source" else k): v for k, v in exc.errors.items()}
        return _page(year, 422, form="confirm", errors=errors, values={"confirm_source": source})
    flash(_("%(year)s is confirmed by the Office.", year=year), "success")
    return redirect(url_for("calendar.index", year=year))
