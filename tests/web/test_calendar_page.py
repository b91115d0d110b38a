"""The working-day calendar page: everyone signed in reads it, only administrators change it;
a CSV upload is all or nothing and names each bad line, in Chinese and in English."""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CalendarDay, CalendarYear
from app.services.time import calendar
from tests.web.web_client import User as Browser

SCHEDULE = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-05,holiday,春节\n2027-02-20,workday,春节调休上班\n"
BAD = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-03-01,rest,x\n"


def _upload(b: Browser, text: str, source: str = ""):
    return b.post("/calendar/import", {"file": (io.BytesIO(text.encode()), "schedule.csv"), "source": source,
                                       "year": "2027"}, content_type="multipart/form-data")


@pytest.mark.parametrize("lang,words", [("zh_CN", ("工作日历", "未确认", "holidays 库已收录", "调休上班")),
                                        ("en", ("Working-day calendar", "Unconfirmed", "Confirmed by the holidays library",
                                                "Working day (调休)"))])
def test_the_page_renders_in_chinese_and_english_and_warns_of_unconfirmed_years(app, lang, words):
    page = Browser(app, "admin", lang=lang).get("/calendar/2026")
    assert page.status_code == 200
    for word in words:
        assert word in page.text, word
    next_year = calendar.today().year + 1
    if not calendar.library_covers(next_year):  # nobody has confirmed next year yet
        assert f'data-unconfirmed-year="{next_year}"' in page.text
    assert 'data-special="2026-10-10" data-working="yes"' in page.text


@pytest.mark.parametrize("username", ["office", "leader", "wuhua_applicant", "expert1"])
def test_anyone_signed_in_reads_the_calendar_but_sees_no_forms(app, username):
    page = Browser(app, username).get("/calendar/")
    assert page.status_code == 200
    assert "/calendar/import" not in page.text and "/calendar/days" not in page.text


def test_signed_out_visitors_are_sent_to_sign_in(app):
    assert Browser(app).get("/calendar/").status_code in (302, 401)


@pytest.mark.parametrize("username", ["office", "leader", "wuhua_applicant"])
def test_a_non_administrator_cannot_change_the_calendar_and_is_told_why(app, username):
    b = Browser(app, username, lang="en")
    for response in (b.post("/calendar/days", {"date": "2026-10-12", "kind": "holiday", "name": "x"}),
                     _upload(b, SCHEDULE),
                     b.post("/calendar/2026/confirm", {}),
                     b.post("/calendar/days/2026-10-01/remove", {})):
        assert response.status_code == 403
        assert "Only an administrator may change the working-day calendar." in response.text
    assert db.session.scalar(sa.select(sa.func.count(CalendarDay.id))) == 0


def test_the_administrator_adds_and_removes_a_day_and_deadlines_shift(app):
    b = Browser(app, "admin")
    assert b.post("/calendar/days", {"date": "2026-10-12", "kind": "holiday", "name": "特别休假"}).status_code == 302
    assert calendar.add_working_days(date(2026, 9, 28), 6) == date(2026, 10, 13)
    page = b.get("/calendar/2026").text
    assert 'data-date="2026-10-12" data-kind="holiday"' in page and "特别休假" in page
    assert b.post("/calendar/days/2026-10-12/remove", {}).status_code == 302
    db.session.commit()
    assert calendar.add_working_days(date(2026, 9, 28), 6) == date(2026, 10, 12)


def test_a_bad_day_is_shown_next_to_its_field(app):
    r = Browser(app, "admin").post("/calendar/days", {"date": "2026-02-30", "kind": "holiday"})
    assert r.status_code == 422 and 'id="f-date-error"' in r.text


@pytest.mark.parametrize("day", ["9999-12-31", "0000-13-45", "99999-01-01", "0001-01-01", "²026-01-01", "abc"])
def test_a_date_no_page_can_show_is_an_error_on_the_form_shown_on_this_years_page(app, day):
    """The refused form comes back on the year the date names when the page can show it, else
    on this year's: never a 404 (a year beyond the pages) or a 500 (a digit int() refuses)."""
    r = Browser(app, "admin").post("/calendar/days", {"date": day, "kind": "holiday", "name": "x"})
    assert r.status_code == 422 and 'id="f-date-error"' in r.text
    assert f'href="/calendar/{calendar.today().year}" aria-current="page"' in r.text
    assert db.session.scalar(sa.select(sa.func.count(CalendarDay.id))) == 0


def test_an_import_naming_a_year_int_cannot_read_is_refused_on_this_years_page(app):
    b = Browser(app, "admin")
    r = b.post("/calendar/import", {"file": (io.BytesIO(BAD.encode()), "schedule.csv"), "year": "²026"},
               content_type="multipart/form-data")
    assert r.status_code == 422 and f'href="/calendar/{calendar.today().year}" aria-current="page"' in r.text


def test_uploading_a_schedule_confirms_the_year(app):
    b = Browser(app, "admin", lang="en")
    r = _upload(b, SCHEDULE, "国办发明电〔2026〕示例")
    assert r.status_code == 302 and r.headers["Location"].endswith("/calendar/2027")
    assert db.session.get(CalendarYear, 2027).source == "国办发明电〔2026〕示例"
    page = b.get("/calendar/2027").text
    assert 'data-year="2027" data-source="office"' in page and 'data-unconfirmed-year="2027"' not in page


@pytest.mark.parametrize("lang,line3,line4", [
    ("zh_CN", "第 3 行：“2027-02-30”不是", "第 4 行：类型只能是 holiday 或 workday"),
    ("en", "Line 3: “2027-02-30” is not a date", "Line 4: The kind must be holiday or workday, not “rest”")])
def test_an_invalid_upload_is_refused_with_line_numbers_and_nothing_is_written(app, lang, line3, line4):
    r = _upload(Browser(app, "admin", lang=lang), BAD)
    assert r.status_code == 422
    assert line3 in r.text and line4 in r.text, r.text
    assert db.session.scalar(sa.select(sa.func.count(CalendarDay.id))) == 0
    assert db.session.get(CalendarYear, 2027) is None


def test_the_admin_area_links_the_calendar_and_names_unconfirmed_years(app):
    page = Browser(app, "admin").get("/admin/users").text
    assert 'href="/calendar/"' in page
    next_year = calendar.today().year + 1
    if not calendar.library_covers(next_year):
        assert f'data-unconfirmed-year="{next_year}"' in page


def test_confirming_a_year_without_its_days_is_refused_and_a_library_year_can_be_confirmed(app):
    b = Browser(app, "admin", lang="en")
    r = b.post("/calendar/2029/confirm", {"confirm_source": ""})
    assert r.status_code == 422 and "Spring Festival" in r.text
    assert b.post("/calendar/2026/confirm", {"confirm_source": "国办发明电〔2025〕7号"}).status_code == 302
    assert db.session.get(CalendarYear, 2026).source == "国办发明电〔2025〕7号"


def test_years_far_from_those_the_office_may_enter_are_not_found(app):
    b = Browser(app, "office")
    assert b.get("/calendar/1949").status_code == 404 and b.get("/calendar/2301").status_code == 404
    assert b.get("/calendar/1950").status_code == 200
