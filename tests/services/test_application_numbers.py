"""Every application gets a human number at its submission: 云试申〔YEAR〕NNNN号, the year
being Beijing's at that moment, a gapless sequence per year; drafts have none, and a refused
submission takes no number."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import NotFound
from app.extensions import db
from app.models import Application
from app.services.commands import applications
from app.services.records import counters
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


def number_of(app_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(Application, app_id).number


def test_drafts_have_no_number_and_submission_gives_the_next_one(app):
    with app.app_context():
        draft = f.draft()
        assert number_of(draft) is None
        with clock.frozen(datetime(2026, 6, 1, 10, 0, tzinfo=BEIJING)):
            first, second = f.submitted(), f.submitted()
        assert number_of(first) == "云试申〔2026〕0001号"
        assert number_of(second) == "云试申〔2026〕0002号"
        assert number_of(draft) is None


def test_the_year_is_beijings_at_submission(app):
    with app.app_context():
        # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Beijing.
        assert (applications.application_number(datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC")))
                == "云试申〔2027〕0001号")
        assert (applications.application_number(datetime(2026, 12, 31, 15, 59, tzinfo=ZoneInfo("UTC")))
                == "云试申〔2026〕0001号")
        db.session.rollback()


def test_a_refused_submission_takes_no_number(app):
    with app.app_context():
        app_id = f.draft()
        before = counters.value("appno:%d" % clock.now().astimezone(BEIJING).year)
        with pytest.raises(NotFound), transaction():  # another agency's draft is not even visible
            applications.submit_application(f.user("kunming_applicant"), app_id)
        assert number_of(app_id) is None
        assert counters.value("appno:%d" % clock.now().astimezone(BEIJING).year) == before
        f.submitted()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)
                                 .where(Application.number.is_not(None))) == before + 1


def test_the_prefix_is_configurable(app):
    app.config["APPLICATION_NUMBER_PREFIX"] = "滇试申"
    with app.app_context():
        with clock.frozen(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING)):
            app_id = f.submitted()
        assert number_of(app_id) == "滇试申〔2026〕0001号"
