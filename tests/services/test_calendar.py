"""Working days on China's official calendar: 调休, year boundaries, the fallback for years nobody
has confirmed, and the Office's own schedule overriding the holidays library."""
from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
import sqlalchemy as sa

from app.database import transaction
from app.errors import Denied, Invalid, NotFound
from app.extensions import db
from app.factory import create_app
from app.i18n import force_locale
from app.models import AuditRecord, CalendarDay, CalendarYear, DayKind, User
from app.services.records.audit import verify_chain
from app.services.time import calendar
from app.services.time.calendar import Source
from app.services.time.schedule import (
    ScheduleRefused,
    confirm_year,
    import_schedule,
    remove_day,
    set_day,
)
from tests.statement_counts import counting

SCHEDULE_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-05,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-20,workday,春节调休上班
""".encode()


def _calendar_audit() -> list[AuditRecord]:
    return list(db.session.scalars(sa.select(AuditRecord).where(AuditRecord.entity_type == "calendar")
                                   .order_by(AuditRecord.id)))


# --- the official calendar through the library -------------------------------------------------
def test_a_tiaoxiu_saturday_is_a_working_day_and_national_day_week_is_off(app):
    assert date(2026, 10, 10).weekday() == 5 and calendar.is_working_day(date(2026, 10, 10))
    assert not any(calendar.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert calendar.is_working_day(date(2026, 10, 9)) and not calendar.is_working_day(date(2026, 10, 11))


def test_deadlines_skip_the_holiday_weeks_and_count_the_tiaoxiu_days(app):
    assert calendar.add_working_days(date(2026, 9, 28), 5) == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)  # 2/14 works, 2/15–23 off
    assert calendar.add_working_days(date(2026, 10, 1), 1) == date(2026, 10, 8)


def test_the_count_starts_the_day_after_even_from_a_holiday_or_weekend(app):
    assert calendar.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday
    assert calendar.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # Saturday → Monday


def test_a_count_that_crosses_the_year_end_continues_into_the_next_year(app):
    # 12-31 is the first; 2027-01-01 is New Year's Day, 1/2–1/3 a weekend.
    assert calendar.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
    assert calendar.working_days_between(date(2026, 12, 30), date(2027, 1, 5)) == 3


@pytest.mark.parametrize("n", [0, -1, -30])
def test_zero_or_negative_working_days_are_refused(app, n):
    with pytest.raises(Invalid) as refused:
        calendar.add_working_days(date(2026, 5, 6), n)
    assert "n" in refused.value.errors


def test_working_days_between_counts_after_the_first_up_to_the_second(app):
    assert calendar.working_days_between(date(2026, 9, 28), date(2026, 10, 10)) == 5
    assert calendar.working_days_between(date(2026, 10, 10), date(2026, 9, 28)) == -5
    assert calendar.working_days_between(date(2026, 10, 1), date(2026, 10, 1)) == 0
    start = date(2025, 11, 20)
    for n in (1, 7, 30, 250, 600):
        assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


def test_add_and_between_agree_with_the_library_day_by_day(app):
    day, end, expected = date(2026, 1, 1), date(2026, 12, 31), 0
    cn = holidays.China(years=2026)
    while day < end:
        day += timedelta(days=1)
        expected += cn.is_working_day(day)
        assert calendar.is_working_day(day) == cn.is_working_day(day), day
    assert calendar.working_days_between(date(2026, 1, 1), end) == expected


# --- which years are confirmed, and the fallback ----------------------------------------------
def test_the_library_confirms_only_the_years_it_has_the_state_councils_schedule_for(app):
    assert calendar.year_status(2026).source is Source.LIBRARY
    assert calendar.year_status(2025).source is Source.LIBRARY
    assert calendar.library_covers(2026) and not calendar.library_covers(2027)
    assert 2026 in calendar.library_years() and 2027 not in calendar.library_years()
    assert calendar.year_status(2027).source is Source.UNCONFIRMED
    assert calendar.year_status(2035).source is Source.UNCONFIRMED


def test_an_unconfirmed_year_falls_back_to_weekends_and_fixed_date_holidays_without_crashing(app):
    assert calendar.add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 4)   # 10/1–10/3 off
    assert not calendar.is_working_day(date(2035, 1, 1)) and calendar.is_working_day(date(2035, 1, 2))
    assert not calendar.is_working_day(date(2035, 5, 2))  # 劳动节 is two days since 2025
    assert calendar.add_working_days(date(2035, 4, 30), 1) == date(2035, 5, 3)
    assert calendar.add_working_days(date(2087, 6, 1), 10).year == 2087
    # Spring Festival 2027 is not known to the fallback: a deadline there is only an estimate.
    assert calendar.is_working_day(date(2027, 2, 8))


def test_years_far_beyond_any_data_still_answer(app):
    assert calendar.add_working_days(date(2999, 12, 30), 3) == date(3000, 1, 3)
    assert calendar.working_days_between(date(2026, 1, 1), date(2036, 1, 1)) > 2400
    with pytest.raises(Invalid):
        calendar.add_working_days(date(9999, 12, 20), 30)


# --- the Office's schedule --------------------------------------------------------------------
def test_an_office_holiday_overrides_the_library_and_dates_shift(app, users):
    assert calendar.add_working_days(date(2026, 10, 9), 2) == date(2026, 10, 12)
    with transaction():
        set_day(users["admin"], {"date": "2026-10-12", "kind": "holiday", "name": "特别休假"})
    assert not calendar.is_working_day(date(2026, 10, 12))
    assert calendar.add_working_days(date(2026, 9, 28), 6) == date(2026, 10, 13)
    assert calendar.add_working_days(date(2026, 10, 9), 2) == date(2026, 10, 13)
    rec = _calendar_audit()[-1]
    assert (rec.entity_id, rec.trigger, rec.actor_role) == (2026, "calendar_set_day", "admin")
    assert rec.payload["date"] == "2026-10-12" and rec.payload["before"] is None


def test_an_office_working_day_overrides_a_library_holiday_and_removing_it_restores_the_library(app, users):
    with transaction():
        set_day(users["admin"], {"date": "2026-10-07", "kind": "workday", "name": "补班"})
    assert calendar.add_working_days(date(2026, 9, 28), 3) == date(2026, 10, 7)
    with transaction():
        remove_day(users["admin"], date(2026, 10, 7))
    assert calendar.add_working_days(date(2026, 9, 28), 3) == date(2026, 10, 8)
    assert [r.trigger for r in _calendar_audit()] == ["calendar_set_day", "calendar_remove_day"]
    with pytest.raises(NotFound):
        remove_day(users["admin"], date(2026, 10, 7))


def test_entering_a_date_again_replaces_the_earlier_entry(app, users):
    with transaction():
        set_day(users["admin"], {"date": "2027-02-08", "kind": "holiday", "name": "春节"})
    with transaction():
        set_day(users["admin"], {"date": "2027-02-08", "kind": "workday", "name": "更正"})
    rows = db.session.scalars(sa.select(CalendarDay).where(CalendarDay.date == date(2027, 2, 8))).all()
    assert [(r.kind, r.name) for r in rows] == [(DayKind.WORKDAY, "更正")]
    assert _calendar_audit()[-1].payload["before"] == {"kind": "holiday", "name": "春节"}


def test_a_single_day_is_validated(app, users):
    with pytest.raises(Invalid) as refused:
        set_day(users["admin"], {"date": "2026-02-30", "kind": "sometimes", "name": "x" * 65})
    assert set(refused.value.errors) == {"date", "kind", "name"}
    with pytest.raises(Invalid) as refused:
        set_day(users["admin"], {"date": "1999-10-01", "kind": "holiday"})
    assert "date" in refused.value.errors


def test_importing_a_year_enters_it_confirms_it_and_deadlines_follow_it(app, users):
    assert calendar.add_working_days(date(2027, 2, 4), 2) == date(2027, 2, 8)  # fallback: no Spring Festival
    with transaction():
        [report] = import_schedule(users["admin"], SCHEDULE_2027, "国办发明电〔2026〕示例")
    assert (report.year, report.days, len(report.added)) == (2027, 8, 8)
    status = calendar.year_status(2027)
    assert status.source is Source.OFFICE and status.note == "国办发明电〔2026〕示例"
    assert status.confirmed_by == users["admin"].display_name
    # 2/5 and 2/8–2/12 off (2/6–2/7 a weekend), so after 2/4 come 2/15 and 2/16.
    assert calendar.add_working_days(date(2027, 2, 4), 2) == date(2027, 2, 16)
    assert calendar.is_working_day(date(2027, 2, 20))  # the 调休 Saturday
    assert calendar.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
    rec = _calendar_audit()[-1]
    assert (rec.trigger, rec.entity_id, rec.payload["days"]) == ("calendar_import", 2027, 8)
    assert verify_chain().ok


def test_importing_a_year_again_makes_the_file_the_years_whole_schedule(app, users):
    with transaction():
        set_day(users["admin"], {"date": "2027-03-01", "kind": "holiday", "name": "旧条目"})
        set_day(users["admin"], {"date": "2028-03-01", "kind": "holiday", "name": "另一年"})
    with transaction():
        import_schedule(users["admin"], SCHEDULE_2027)
    with transaction():
        [report] = import_schedule(users["admin"], SCHEDULE_2027.replace(b"2027-02-12,holiday",
                                                                        b"2027-02-12,workday"))
    assert report.changed == ["2027-02-12"] and report.added == [] and report.removed == []
    dates = set(db.session.scalars(sa.select(CalendarDay.date)))
    assert date(2027, 3, 1) not in dates and date(2028, 3, 1) in dates  # other years untouched


INVALID_FILES = {
    "bad date": ("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n", 3, "2027-02-30"),
    "bad kind": ("date,kind,name\n2027-01-01,vacation,元旦\n", 2, "vacation"),
    "duplicate": ("date,kind,name\n2027-01-01,holiday,元旦\n\n2027-01-01,workday,x\n", 4, "line 2"),
    "no header": ("2027-01-01,holiday,元旦\n", 1, "date,kind,name"),
    "columns": ("date,kind,name\n2027-01-01\n", 2, "three columns"),
    "out of range": ("date,kind,name\n1999-01-01,holiday,元旦\n", 2, "2000"),
}


@pytest.mark.parametrize("case", sorted(INVALID_FILES))
def test_an_invalid_file_is_refused_naming_the_line_and_the_reason_and_nothing_is_written(app, users, case):
    text, line, reason = INVALID_FILES[case]
    with force_locale("en"), pytest.raises(ScheduleRefused) as refused, transaction():
        import_schedule(users["admin"], text.encode())
    lines = dict(refused.value.problems)
    assert line in lines and reason in lines[line] and f"Line {line}:" in lines[line]
    assert db.session.scalar(sa.select(sa.func.count(CalendarDay.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarYear)) == 0
    assert _calendar_audit() == []


def test_a_file_with_one_bad_line_among_good_ones_writes_none_of_them(app, users):
    with pytest.raises(ScheduleRefused) as refused, transaction():
        import_schedule(users["admin"], SCHEDULE_2027 + b"2027-13-01,holiday,x\n")
    assert [line for line, _ in refused.value.problems] == [10]
    assert calendar.year_status(2027).source is Source.UNCONFIRMED
    assert db.session.scalar(sa.select(sa.func.count(CalendarDay.id))) == 0


def test_files_that_are_not_text_or_are_empty_are_refused(app, users):
    for raw in (b"", b"\n\n", b"date,kind,name\n", b"\xff\xfe\x00d\x00a"):
        with pytest.raises(ScheduleRefused):
            import_schedule(users["admin"], raw)


def test_a_file_saved_by_excel_with_a_bom_or_in_gb18030_is_read(app, users):
    with transaction():
        import_schedule(users["admin"], "\ufeff".encode() + SCHEDULE_2027)
    with transaction():
        import_schedule(users["admin"], "date,kind,name\n2028-01-01,holiday,元旦\n".encode("gb18030"))
    assert db.session.scalar(sa.select(CalendarDay.name).where(CalendarDay.date == date(2028, 1, 1))) == "元旦"


def test_confirming_a_year_needs_its_days_unless_the_library_has_them(app, users):
    with pytest.raises(Invalid):
        confirm_year(users["admin"], 2029)
    with transaction():
        confirm_year(users["admin"], 2026, "国办发明电〔2025〕7号")
    assert calendar.year_status(2026).source is Source.OFFICE
    with transaction():
        set_day(users["admin"], {"date": "2029-01-01", "kind": "holiday", "name": "元旦"})
        confirm_year(users["admin"], 2029)
    assert calendar.year_status(2029).source is Source.OFFICE
    assert _calendar_audit()[-1].trigger == "calendar_confirm_year"


@pytest.mark.parametrize("username", ["office", "leader", "wuhua_applicant", "expert1"])
def test_only_an_administrator_changes_the_calendar(app, users, username):
    actor = users[username]
    for change in (lambda: set_day(actor, {"date": "2026-10-12", "kind": "holiday"}),
                   lambda: remove_day(actor, date(2026, 10, 12)),
                   lambda: import_schedule(actor, SCHEDULE_2027),
                   lambda: confirm_year(actor, 2026)):
        with pytest.raises(Denied) as denied:
            change()
        assert "administrator" in denied.value.reason or "管理员" in denied.value.reason
    assert db.session.scalar(sa.select(sa.func.count(CalendarDay.id))) == 0


def _statements_of(work) -> list[str]:
    with counting() as found:
        work()
    return found[1:]


def _ask_many_dates():
    for day in range(1, 29):
        calendar.add_working_days(date(2026, 2, day), 10)
        calendar.is_working_day(date(2026, 3, day))


def test_a_year_is_resolved_once_per_revision_and_an_edit_is_seen_at_once(app, users):
    db.session.commit()
    first = _statements_of(_ask_many_dates)
    assert len([s for s in first if "calendar_days" in s]) == 1, first
    assert len([s for s in first if "calendar_years" in s]) == 1, first
    db.session.commit()  # a later transaction at the same revision reads only the revision
    later = [s for s in _statements_of(_ask_many_dates) if s != "BEGIN"]
    assert len(later) == 1 and "audit_records" in later[0], later
    with transaction():
        set_day(users["admin"], {"date": "2026-03-02", "kind": "holiday", "name": "x"})
    assert not calendar.is_working_day(date(2026, 3, 2))


def test_another_process_sees_a_change_once_it_commits(app, users, database_url, tmp_path):
    """Two apps on one database stand for two machines: each keeps its own resolved years."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "x",
                        "UPLOAD_DIR": str(tmp_path / "u"), "DOCUMENT_DIR": str(tmp_path / "d"),
                        "AUDIT_ANCHOR_DIR": str(tmp_path / "a")})
    assert calendar.is_working_day(date(2026, 3, 3))
    db.session.commit()
    with other.app_context():
        assert calendar.is_working_day(date(2026, 3, 3))  # the other app has resolved 2026 too
        admin = db.session.get(User, users["admin"].id)
        with transaction():
            set_day(admin, {"date": "2026-03-03", "kind": "holiday", "name": "停电"})
        db.session.remove()
        db.engine.dispose()
    assert not calendar.is_working_day(date(2026, 3, 3))
    assert calendar.add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 4)


def test_a_change_rolled_back_is_never_seen_even_when_the_next_change_takes_its_place(app, users):
    assert calendar.is_working_day(date(2026, 3, 4)) and calendar.is_working_day(date(2026, 3, 5))
    db.session.commit()
    with pytest.raises(RuntimeError), transaction():
        set_day(users["admin"], {"date": "2026-03-04", "kind": "holiday", "name": "撤回"})
        assert not calendar.is_working_day(date(2026, 3, 4))  # the change's own transaction sees it
        raise RuntimeError("rolled back")
    with transaction():  # the next change is the calendar's revision the rolled-back one would have been
        set_day(users["admin"], {"date": "2026-03-05", "kind": "holiday", "name": "停电"})
    assert calendar.is_working_day(date(2026, 3, 4))
    assert not calendar.is_working_day(date(2026, 3, 5))


def test_an_app_keeps_a_bounded_number_of_years_and_answers_beyond_them_alike(app):
    far = calendar.plans(2026, 2026 + 2 * calendar.KEEP_YEARS)  # e.g. a count of working days over a century
    assert [p.year for p in far] == list(range(2026, 2027 + 2 * calendar.KEEP_YEARS))
    assert len(calendar._years(calendar._memo()).plans) <= calendar.KEEP_YEARS  # memory stays bounded
    db.session.commit()
    assert calendar.plans(2026, 2026 + 2 * calendar.KEEP_YEARS) == far
    start = date(2026, 1, 5)
    n = calendar.working_days_between(start, date(2226, 1, 5))
    assert calendar.add_working_days(start, n) == date(2226, 1, 5)
