"""Migration 0009 numbers the applications already submitted, in submission order per Beijing
year, and leaves each year's counter where new submissions continue without a gap."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import clock
from app.extensions import db
from app.models import Application
from app.services.records import counters
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


def test_existing_submissions_are_numbered_in_submission_order(app):
    with app.app_context():
        with clock.frozen(datetime(2026, 6, 2, 9, 0, tzinfo=BEIJING)):
            later = f.submitted()
        with clock.frozen(datetime(2026, 6, 1, 9, 0, tzinfo=BEIJING)):
            earlier = f.submitted()
        draft = f.draft()
        db.session.commit()
        db.session.remove()
        downgrade(revision="0008_application_area")
        upgrade(revision="heads")
        db.session.remove()
        numbers = dict(db.session.execute(sa.select(Application.id, Application.number)).all())
        assert numbers[earlier] == "云试申〔2026〕0001号"
        assert numbers[later] == "云试申〔2026〕0002号"
        assert numbers[draft] is None
        assert counters.value("appno:2026") == 2
        db.session.rollback()
        with clock.frozen(datetime(2026, 6, 3, 9, 0, tzinfo=BEIJING)):
            new = f.submitted()
        assert db.session.get(Application, new).number == "云试申〔2026〕0003号"
