"""`flask calendar …`: working days on China's official calendar and the Office's schedule."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.models import Role
from app.services.time import calendar, due, schedule

calendar_cli = AppGroup("calendar", help="The working-day calendar (节假日与调休).")


class _Date(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        if not schedule.ISO_DATE.match(value or ""):
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a valid date", param, ctx)


DATE = _Date()


def _warn_unconfirmed(*days: date) -> None:
    for year in sorted({d.year for d in days}):
        status = calendar.year_status(year)
        if not status.confirmed:
            click.secho(f"! {year}: {status.source.en} — weekends and fixed-date holidays only "
                        f"(enter it: flask calendar import FILE)", fg="yellow", err=True)


@calendar_cli.command("add-working-days")
@click.argument("start", type=DATE)
@click.argument("n", type=int)
def add_working_days(start: date, n: int) -> None:
    """Print the N-th working day after START (the count starts the day after)."""
    try:
        result = calendar.add_working_days(start, n)
    except DomainError as exc:
        fail(exc)
    click.echo(result.isoformat())
    _warn_unconfirmed(start, result)


@calendar_cli.command("between")
@click.argument("start", type=DATE)
@click.argument("end", type=DATE)
def between(start: date, end: date) -> None:
    """Print how many working days lie after START up to and including END."""
    click.echo(calendar.working_days_between(start, end))
    _warn_unconfirmed(start, end)


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="What the schedule follows, e.g. 国办发明电〔2026〕x号 "
                                               "(default: the file's name).")
@click.option("--as", "username", help="The administrator entering it (default: the first one).")
def import_(file: Path, source: str | None, username: str | None) -> None:
    """Import a CSV schedule (header date,kind,name; kind holiday|workday). Each year in the
    file gets exactly the file's days and is marked confirmed; a bad line refuses the whole file."""
    try:
        with transaction():
            reports = schedule.import_schedule(acting_user(username, Role.ADMIN), file.read_bytes(),
                                               file.name if source is None else source)
            lines = [f"{r.year}: {r.days} days (+{len(r.added)} ~{len(r.changed)} -{len(r.removed)}), confirmed"
                     for r in reports]
    except DomainError as exc:
        fail(exc)
    click.echo("\n".join(lines))


@calendar_cli.command("confirm")
@click.argument("year", type=int)
@click.option("--source", default="", help="What the schedule follows.")
@click.option("--as", "username", help="The administrator confirming it (default: the first one).")
def confirm(year: int, source: str, username: str | None) -> None:
    """Mark YEAR as confirmed by the Office (its days must have been entered)."""
    try:
        with transaction():
            schedule.confirm_year(acting_user(username, Role.ADMIN), year, source)
    except DomainError as exc:
        fail(exc)
    click.echo(f"{year}: confirmed by the Office")


@calendar_cli.command("status")
def status() -> None:
    """Which years are confirmed, and by what (the Office, the holidays library, or nobody)."""
    years = calendar.library_years()
    this_year = calendar.today().year
    click.echo(f"holidays {calendar.LIBRARY_VERSION} covers {years[0]}–{years[-1]}" if years else
               f"holidays {calendar.LIBRARY_VERSION} covers no year")
    shown = sorted({this_year - 1, this_year, this_year + 1, this_year + 2}
                   | {s.year for s in calendar.office_confirmed_years()})
    for year in shown:
        s = calendar.year_status(year)
        detail = (f"{s.confirmed_by}, {s.confirmed_at:%Y-%m-%d}{', ' + s.note if s.note else ''}"
                  if s.source is calendar.Source.OFFICE else s.note)
        click.echo(f"{year}  {s.source.value:<12} {s.source.zh}{'  (' + detail + ')' if detail else ''}")
    for s in schedule.unconfirmed_soon():
        click.secho(f"! {s.year} is unconfirmed: enter its schedule (flask calendar import FILE)",
                    fg="yellow", err=True)


@calendar_cli.command("show")
@click.argument("year", type=int)
def show(year: int) -> None:
    """List YEAR's special dates: holidays on weekdays, working weekends, the Office's entries."""
    try:
        plan = calendar.year_plan(year)
    except DomainError as exc:
        fail(exc)
    click.echo(f"{year}: {plan.source.value} ({plan.source.zh}), {len(plan.working)} working days")
    for s in plan.special:
        click.echo(f"{s.date.isoformat()}  {'work' if s.working else 'off ':<4}  {s.origin.value:<8} {s.name}")


@calendar_cli.command("refresh-deadlines")
def refresh_deadlines() -> None:
    """Recompute every case's stored deadline day from its history, the stages' limits and this
    calendar — after data was changed outside the product (the product's own edits do it)."""
    with transaction():
        changed = due.refresh()
    click.echo(f"deadline days changed: {changed}")
