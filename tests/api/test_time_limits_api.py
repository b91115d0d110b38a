"""The time limits through the API: the list filtered by warning level, the stages' limits read,
set (refused outside 1–365 with nothing written) and cleared by administrators only."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import StepLimit
from app.services.commands import perform
from tests import factories as f


def test_the_list_filters_by_level_and_says_each_rows_level(app, api):
    clock.set_now(datetime(2026, 3, 2, 10, tzinfo=clock.BEIJING))
    late = f.endorsed()
    clock.set_now(datetime(2026, 3, 20, 10, tzinfo=clock.BEIJING))
    fresh = f.endorsed("kunming_applicant")
    body = api.get("applications?level=overdue", as_="office").json
    assert [i["id"] for i in body["items"]] == [late]
    assert body["items"][0]["time_limit_level"] == "overdue" and body["items"][0]["deadline"]
    on_time = api.get("applications?level=on_time", as_="office").json
    assert [i["id"] for i in on_time["items"]] == [fresh]
    assert api.get("applications?level=red", as_="office").status_code == 422
    with transaction():
        perform(f.user("office"), "application", late, "pass_initial_review", {"opinion": "通过"})
    assert api.get("applications?level=overdue", as_="office").json["items"] == []  # a new stage, a new clock


def test_admins_read_set_and_clear_the_stages_limits(app, api):
    stages = api.get("time-limits", as_="admin").json
    row = next(s for s in stages if (s["kind"], s["state"]) == ("application", "initial_review"))
    assert (row["default"], row["override"], row["effective"]) == (7, None, 7)
    for bad in (0, -1, 366, "x"):
        refused = api.put("time-limits/application/initial_review", as_="admin", json={"days": bad})
        assert refused.status_code == 422 and "days" in refused.json["fields"], bad
    assert db.session.scalar(sa.select(sa.func.count(StepLimit.id))) == 0
    saved = api.put("time-limits/application/initial_review", as_="admin", json={"days": 12})
    assert saved.status_code == 200 and (saved.json["override"], saved.json["effective"]) == (12, 12)
    assert api.delete("time-limits/application/initial_review", as_="admin").status_code == 204
    assert api.delete("time-limits/application/initial_review", as_="admin").status_code == 404
    assert api.put("time-limits/application/draft", as_="admin", json={"days": 3}).status_code == 404
    denied = api.get("time-limits", as_="office")
    assert denied.status_code == 403 and "time limits" in denied.json["message"]
