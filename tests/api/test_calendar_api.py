"""The working-day calendar over the API: administrators enter and remove days, import a year's
schedule (all or nothing, problems named by line) and confirm a year, and deadlines follow at
once; everyone else reads it and is refused every change with the policy's reason."""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditRecord, CalendarDay, CalendarYear
from app.services.time import calendar
from tests import factories
from tests.api.conftest import assert_error

SCHEDULE_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-05,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-20,workday,春节调休上班
"""
BAD = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-03-01,rest,x\n"
REFUSED = "Only an administrator may change the working-day calendar."


def _import(api, username: str, text: str | None, source: str | None = None, name: str = "2027.csv", lang="en"):
    data = {} if source is None else {"source": source}
    if text is not None:
        data["file"] = (io.BytesIO(text.encode()), name)
    return api.post("calendar/imports", username, data=data, content_type="multipart/form-data", lang=lang)


def _deadline(start: date, n: int) -> date:
    db.session.rollback()  # what the requests committed, seen afresh
    return calendar.add_working_days(start, n)


def _counts() -> tuple[int, int, int]:
    db.session.rollback()
    return (db.session.scalar(sa.select(sa.func.count(CalendarDay.id))),
            db.session.scalar(sa.select(sa.func.count()).select_from(CalendarYear)),
            db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.entity_type == "calendar")))


def test_everyone_signed_in_reads_a_year_with_its_status_and_special_days(api):
    year = api.get("calendar/2026", "wuhua_applicant")
    assert year.status_code == 200, year.get_json()
    body = year.get_json()
    assert body["year"] == 2026 and body["can_edit"] is False and body["days"] == []
    assert body["status"]["source"] == "library" and body["status"]["confirmed"] is True
    assert body["status"]["source_label"] == "Confirmed by the holidays library"
    assert {"date": "2026-10-10", "working": True, "origin": "library", "origin_label": "holidays library",
            "name": "Working day (调休)"} in body["special"]
    assert 2026 in [s["year"] for s in body["years"]] and body["working_days"] > 240
    assert api.get("calendar/2026", "admin").get_json()["can_edit"] is True
    unconfirmed = api.get("calendar/2035", "office", lang="zh-CN").get_json()["status"]
    assert (unconfirmed["source"], unconfirmed["confirmed"], unconfirmed["source_label"]) == ("unconfirmed", False,
                                                                                               "未确认")
    assert_error(api.get("calendar/2026"), 401, "unauthorized")
    for far in (1900, 2301, 0, 10000):
        assert_error(api.get(f"calendar/{far}", "office"), 404, "not_found")


def test_an_administrator_enters_and_removes_a_day_and_deadlines_follow(api):
    assert _deadline(date(2026, 9, 28), 6) == date(2026, 10, 12)
    entered = api.post("calendar/days", "admin", json={"date": "2026-10-12", "kind": "holiday", "name": "特别休假"})
    assert entered.status_code == 201, entered.get_json()
    day = entered.get_json()
    assert (day["date"], day["kind"], day["kind_label"], day["name"]) == ("2026-10-12", "holiday", "Holiday", "特别休假")
    admin = factories.user("admin")
    assert (day["entered_by_id"], day["entered_by_name"]) == (admin.id, admin.display_name)
    assert _deadline(date(2026, 9, 28), 6) == date(2026, 10, 13)
    year = api.get("calendar/2026", "office").get_json()
    assert [(d["date"], d["kind"], d["name"]) for d in year["days"]] == [("2026-10-12", "holiday", "特别休假")]
    assert {"date": "2026-10-12", "working": False, "origin": "office", "origin_label": "Entered by the Office",
            "name": "特别休假"} in year["special"]

    again = api.post("calendar/days", "admin", json={"date": "2026-10-12", "kind": "workday"})
    assert again.status_code == 201 and again.get_json()["kind"] == "workday"  # replaces the earlier entry
    assert len(api.get("calendar/2026", "office").get_json()["days"]) == 1

    removed = api.delete("calendar/days/2026-10-12", "admin")
    assert removed.status_code == 204 and removed.data == b""
    assert api.get("calendar/2026", "office").get_json()["days"] == []
    assert _deadline(date(2026, 9, 28), 6) == date(2026, 10, 12)
    assert_error(api.delete("calendar/days/2026-10-12", "admin"), 404, "not_found")  # nothing entered there
    assert [r.trigger for r in db.session.scalars(sa.select(AuditRecord).where(
        AuditRecord.entity_type == "calendar").order_by(AuditRecord.id))] == [
        "calendar_set_day", "calendar_set_day", "calendar_remove_day"]


def test_importing_a_schedule_enters_and_confirms_its_year(api):
    assert _deadline(date(2027, 2, 4), 2) == date(2027, 2, 8)  # the fallback knows no Spring Festival
    imported = _import(api, "admin", SCHEDULE_2027, "国办发明电〔2026〕示例")
    assert imported.status_code == 200, imported.get_json()
    [report] = imported.get_json()
    assert (report["year"], report["days"], len(report["added"]), report["changed"], report["removed"]) == (
        2027, 8, 8, [], [])
    assert _deadline(date(2027, 2, 4), 2) == date(2027, 2, 16)
    year = api.get("calendar/2027", "wuhua_applicant").get_json()
    assert year["status"]["source"] == "office" and year["status"]["note"] == "国办发明电〔2026〕示例"
    assert year["status"]["confirmed_by"] and year["status"]["confirmed_at"]
    assert len(year["days"]) == 8 and year["days"][-1] == {**year["days"][-1], "date": "2027-02-20",
                                                           "kind": "workday", "name": "春节调休上班"}

    # again without a source: the file's name is the source, and the file is the year's whole schedule
    shorter = _import(api, "admin", SCHEDULE_2027.replace("2027-02-20,workday,春节调休上班\n", ""),
                      name="2027年安排.csv")
    assert shorter.status_code == 200, shorter.get_json()
    assert shorter.get_json()[0]["removed"] == ["2027-02-20"]
    assert api.get("calendar/2027", "office").get_json()["status"]["note"] == "2027年安排.csv"


@pytest.mark.parametrize("lang,line3,line4", [
    ("en", "Line 3: “2027-02-30” is not a date", "Line 4: The kind must be holiday or workday, not “rest”"),
    ("zh-CN", "第 3 行：“2027-02-30”不是", "第 4 行：类型只能是 holiday 或 workday")])
def test_an_invalid_schedule_is_refused_by_line_and_nothing_is_written(api, lang, line3, line4):
    refused = assert_error(_import(api, "admin", BAD, "x", lang=lang), 422, "invalid")
    assert set(refused["fields"]) == {"line 3", "line 4"}
    assert refused["fields"]["line 3"].startswith(line3) and refused["fields"]["line 4"].startswith(line4)
    assert _counts() == (0, 0, 0)
    empty = assert_error(_import(api, "admin", "date,kind,name\n"), 422, "invalid")
    assert set(empty["fields"]) == {"file"}
    missing = assert_error(_import(api, "admin", None, "国办发明电"), 422, "invalid")
    assert set(missing["fields"]) == {"file"}
    too_long = assert_error(_import(api, "admin", SCHEDULE_2027, "x" * 257), 422, "invalid")
    assert set(too_long["fields"]) == {"source"}
    assert _counts() == (0, 0, 0)


def test_confirming_a_year(api):
    confirmed = api.post("calendar/2026/confirm", "admin", json={"source": " 国办发明电〔2025〕7号 "})
    assert confirmed.status_code == 200, confirmed.get_json()
    status = confirmed.get_json()
    assert (status["year"], status["source"], status["confirmed"], status["note"]) == (
        2026, "office", True, "国办发明电〔2025〕7号")
    assert api.get("calendar/2026", "office").get_json()["status"]["source"] == "office"

    no_days = assert_error(api.post("calendar/2029/confirm", "admin", json={}), 422, "invalid")
    assert "Spring Festival" in no_days["fields"]["year"]
    assert set(assert_error(api.post("calendar/1999/confirm", "admin", json={}), 422, "invalid")["fields"]) == {"year"}
    for bad in ({"source": 7}, {"source": "x" * 257}, {"source": "a\u0000b"}):
        assert set(assert_error(api.post("calendar/2026/confirm", "admin", json=bad), 422, "invalid")["fields"]) == {
            "source"}, bad
    assert api.post("calendar/days", "admin", json={"date": "2029-01-01", "kind": "holiday"}).status_code == 201
    assert api.post("calendar/2029/confirm", "admin", json={}).get_json()["source"] == "office"


@pytest.mark.parametrize("username", ["office", "leader", "wuhua_applicant", "expert1"])
def test_only_an_administrator_changes_the_calendar_and_nothing_is_written_otherwise(api, username):
    assert api.post("calendar/days", "admin", json={"date": "2026-10-12", "kind": "holiday"}).status_code == 201
    before = _counts()
    for response in (api.post("calendar/days", username, json={"date": "2026-10-13", "kind": "holiday"}),
                     api.post("calendar/days", username, json={"date": "not a date"}),
                     api.delete("calendar/days/2026-10-12", username),
                     _import(api, username, SCHEDULE_2027, "x"),
                     api.post("calendar/2026/confirm", username, json={"source": "x"})):
        assert assert_error(response, 403, "forbidden")["message"] == REFUSED
    assert _counts() == before
    assert _deadline(date(2026, 9, 28), 6) == date(2026, 10, 13)


def test_a_bad_date_is_422_in_the_body_and_404_in_the_path(api):
    for bad in ("2026-02-30", "1999-10-01", "2101-01-01", "tomorrow", "", 20261012, None):
        refused = assert_error(api.post("calendar/days", "admin", json={"date": bad, "kind": "holiday"}),
                               422, "invalid")
        assert set(refused["fields"]) == {"date"}, bad
    fields = assert_error(api.post("calendar/days", "admin", json={"kind": "sometimes", "name": "x" * 65}),
                          422, "invalid")["fields"]
    assert set(fields) == {"date", "kind", "name"}
    for bad in ("2026-02-30", "2026-1-1", "20261012", "tomorrow"):
        assert_error(api.delete(f"calendar/days/{bad}", "admin"), 404, "not_found")
    assert _counts() == (0, 0, 0)
