"""`flask calendar …` as an operator runs it: working-day arithmetic, importing the Office's
schedule (all or nothing), and which years are confirmed."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.database import transaction
from app.extensions import db
from app.models import Application, AuditRecord, CalendarDay, CalendarYear
from app.services.time import calendar
from tests import factories as f


def _stdout(result) -> str:
    return result.stdout.strip()


def test_add_working_days_prints_the_iso_date_across_tiaoxiu_and_holidays(runner):
    for args, expected in ((["2026-09-28", "5"], "2026-10-10"), (["2026-02-13", "3"], "2026-02-25")):
        result = runner.invoke(args=["calendar", "add-working-days", *args])
        assert result.exit_code == 0, result.output
        assert _stdout(result) == expected


def test_add_working_days_into_an_unconfirmed_year_answers_and_warns(runner):
    result = runner.invoke(args=["calendar", "add-working-days", "2026-12-30", "3"])
    assert result.exit_code == 0, result.output
    assert _stdout(result) == "2027-01-05"
    assert "2027" in result.stderr and "nconfirmed" in result.stderr


def test_add_working_days_refuses_zero_negative_and_impossible_dates(runner):
    for args in (["2026-09-28", "0"], ["2026-09-28", "--", "-2"]):
        result = runner.invoke(args=["calendar", "add-working-days", *args])
        assert result.exit_code == 2 and _stdout(result) == "", result.output
    assert runner.invoke(args=["calendar", "add-working-days", "2026-02-30", "1"]).exit_code == 2
    assert runner.invoke(args=["calendar", "add-working-days", "tomorrow", "1"]).exit_code == 2


def test_import_enters_and_confirms_the_year_and_deadlines_follow_it(runner, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-05,holiday,春节\n"
                    "2027-02-08,holiday,春节\n2027-02-20,workday,春节调休上班\n", encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(path), "--source", "国办发明电〔2026〕示例"])
    assert result.exit_code == 0, result.output
    assert "2027: 4 days" in result.output and "confirmed" in result.output
    assert db.session.get(CalendarYear, 2027).source == "国办发明电〔2026〕示例"
    assert _stdout(runner.invoke(args=["calendar", "add-working-days", "2027-02-04", "1"])) == "2027-02-09"
    status = runner.invoke(args=["calendar", "status"])
    assert status.exit_code == 0 and "2027  office" in status.output
    show = runner.invoke(args=["calendar", "show", "2027"])
    assert "2027-02-20  work  office" in show.output


def test_an_invalid_file_is_refused_with_the_line_and_reason_and_nothing_is_written(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-03-01,rest,x\n",
                    encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert "3" in result.stderr and "2027-02-30" in result.stderr   # the CLI speaks the default, Chinese
    assert "第 3 行" in result.stderr and "第 4 行" in result.stderr and "rest" in result.stderr
    assert db.session.scalar(sa.select(sa.func.count(CalendarDay.id))) == 0
    assert db.session.get(CalendarYear, 2027) is None
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.entity_type == "calendar")) == 0


def test_import_as_a_non_administrator_is_denied_with_the_reason(runner, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(path), "--as", "office"])
    assert result.exit_code == 2 and "管理员" in result.stderr


def test_status_names_the_library_years_and_the_unconfirmed_ones(runner):
    result = runner.invoke(args=["calendar", "status"])
    assert result.exit_code == 0, result.output
    assert "covers 2001–2026" in result.stdout   # holidays 0.109
    for year in (calendar.today().year, calendar.today().year + 1):
        expected = "library" if calendar.library_covers(year) else "unconfirmed"
        assert f"{year}  {expected}" in result.stdout
        if expected == "unconfirmed":
            assert f"{year} is unconfirmed" in result.stderr


def test_between_counts_the_working_days_after_the_first_date_up_to_the_second(runner):
    result = runner.invoke(args=["calendar", "between", "2026-09-28", "2026-10-10"])
    assert result.exit_code == 0 and _stdout(result) == "5"


def test_refresh_deadlines_puts_back_a_day_changed_outside_the_product(runner):
    application_id = f.submitted()
    right = db.session.get(Application, application_id).due_on
    with transaction():
        db.session.execute(sa.update(Application).where(Application.id == application_id)
                           .values(due_on=right - timedelta(days=9)))
    result = runner.invoke(args=["calendar", "refresh-deadlines"])
    assert result.exit_code == 0, result.output
    assert _stdout(result) == "deadline days changed: 1"
    db.session.expire_all()
    assert db.session.get(Application, application_id).due_on == right
    assert _stdout(runner.invoke(args=["calendar", "refresh-deadlines"])) == "deadline days changed: 0"
