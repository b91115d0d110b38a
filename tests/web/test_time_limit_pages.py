"""Time limits on the pages: the inbox, the application's page (revision time shown apart) and
the list's level filter; the admin's limits page; the supervision board, its drill-down and its
Excel export; who may open them."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import AuditRecord, StepLimit
from app.services.commands import perform
from tests import factories as f
from tests.web.web_client import User as Browser


def at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=clock.BEIJING)


def act(username: str, app_id: int, trigger: str) -> None:
    with transaction():
        perform(f.user(username), "application", app_id, trigger, {"opinion": "意见"})


@pytest.fixture
def returned_and_late(app):
    """One application returned and resubmitted, now overdue in 初审; one on time in 初审."""
    clock.set_now(at(2))
    late = f.endorsed()
    clock.set_now(at(5))
    act("office", late, "return_for_revision")
    clock.set_now(at(12))
    act("wuhua_applicant", late, "resubmit")
    clock.set_now(at(18))
    fresh = f.endorsed("kunming_applicant")
    clock.set_now(at(20))
    return {"late": late, "fresh": fresh}


def test_the_inbox_the_page_and_the_list_show_the_warning_level(app, returned_and_late):
    b = Browser(app, "office")
    inbox = b.get("/inbox").text
    assert 'data-level="overdue"' in inbox and "已超期（红牌）" in inbox
    page = b.get(f"/applications/{returned_and_late['late']}").text
    assert 'data-time-limit="overdue"' in page and 'data-revision-days="5"' in page
    overdue = b.get("/applications/?level=overdue").text
    assert f'/applications/{returned_and_late["late"]}"' in overdue
    assert f'/applications/{returned_and_late["fresh"]}"' not in overdue
    on_time = b.get("/applications/?level=on_time").text
    assert f'/applications/{returned_and_late["fresh"]}"' in on_time
    assert b.get("/applications/?level=nonsense&page=x").status_code == 200


def test_the_admin_sets_and_clears_a_limit_on_its_page(app):
    b = Browser(app, "admin")
    assert "application:initial_review" in b.get("/admin/time-limits/").text
    bad = b.post("/admin/time-limits/application/initial_review", {"days": "0"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    assert db.session.scalar(sa.select(sa.func.count(StepLimit.id))) == 0
    assert b.post("/admin/time-limits/application/initial_review", {"days": "9"}).status_code == 302
    assert db.session.scalar(sa.select(StepLimit.days)) == 9
    assert b.post("/admin/time-limits/application/initial_review/clear").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(StepLimit.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(
        AuditRecord.entity_type == "time_limit")) == 2
    assert b.post("/admin/time-limits/nothing/here", {"days": "3"}).status_code == 404
    assert Browser(app, "office").get("/admin/time-limits/").status_code == 403


def test_the_board_drills_down_and_exports_its_figures(app, returned_and_late):
    b = Browser(app, "leader")
    board = b.get("/supervision/")
    assert board.status_code == 200 and 'data-row="stage:application:initial_review"' in board.text
    items = b.get("/supervision/items?dimension=stage&key=application:initial_review&measure=overdue").text
    assert f'data-item="application:{returned_and_late["late"]}"' in items
    assert f'data-item="application:{returned_and_late["fresh"]}"' not in items
    assert b.get("/supervision/items?dimension=x&key=%00&measure=y").status_code == 200
    export = b.get("/supervision/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.values)
    assert rows[0][0] == "维度" or rows[0][0] == "Dimension"
    stage = next(r for r in rows if r[1] == "试点项目申报 · 初审")
    assert stage[6:9] == (2, 0, 1)  # in progress, due soon, overdue


def test_an_empty_board_says_so_and_applicants_are_refused_with_the_reason(app):
    assert "the board is empty" in Browser(app, "office", lang="en").get("/supervision/").text
    denied = Browser(app, "wuhua_applicant", lang="en").get("/supervision/")
    assert denied.status_code == 403 and "supervision board" in denied.text
    assert Browser(app, "wuhua_applicant").get("/supervision/export.xlsx").status_code == 403
