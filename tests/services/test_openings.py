"""Scheduled openings (``app.services.commands.openings`` run by ``app.jobs.periodic``): the
year's mid-term checks from their configured day, each accepted project's next evaluation
period on its cadence — once, caught up after downtime, as the system (no actor)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app import clock, config
from app.database import transaction
from app.extensions import db
from app.jobs import periodic
from app.models import AuditRecord, Evaluation, MidtermCheck, Project
from app.services.commands import openings
from app.services.records.audit import verify_chain
from tests import factories as f
from workflows.project import ProjectState


def at(month: int, day: int, year: int = 2026, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=clock.BEIJING)


def checks_of(year: int) -> list[MidtermCheck]:
    return list(db.session.scalars(sa.select(MidtermCheck).where(MidtermCheck.year == year)))


def evaluations() -> list[tuple[int, str]]:
    return [tuple(r) for r in db.session.execute(sa.select(Evaluation.project_id, Evaluation.period)
                                                 .order_by(Evaluation.id))]


def tick(moment: datetime) -> list[str]:
    clock.set_now(moment)
    return periodic.tick(moment)


def test_the_years_checks_open_on_their_day_once_as_the_system(app):
    clock.set_now(at(1, 10))
    project = f.project()
    tick(at(2, 28))
    assert checks_of(2026) == []  # before 1 March: nothing
    assert "midterm_checks 2026" in tick(at(3, 1, hour=0))
    [check] = checks_of(2026)
    assert check.project_id == project
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.entity_type == "midterm_check",
                                                            AuditRecord.entity_id == check.id))
    assert (record.actor_id, record.actor_role, record.trigger) == (None, "system", "open")
    assert "midterm_checks 2026" not in tick(at(3, 2))  # a second tick: nothing new
    f.project("kunming_applicant")
    tick(at(6, 1))
    assert len(checks_of(2026)) == 1  # the year's run is done; the office opens late projects by hand
    assert verify_chain().first_broken_id is None


def test_after_downtime_the_first_tick_weeks_late_opens_the_checks_once(app):
    clock.set_now(at(1, 10))
    f.project()
    assert "midterm_checks 2026" in tick(at(4, 20))
    assert len(checks_of(2026)) == 1
    tick(at(4, 21))
    assert len(checks_of(2026)) == 1


def test_the_opening_day_is_configured(app):
    app.config["MIDTERM_OPENS_ON"] = "04-10"
    assert openings.midterm_period(at(4, 9)) is None
    assert openings.midterm_period(at(4, 10, hour=0)) == "2026"
    app.config["MIDTERM_OPENS_ON"] = "02-29"  # 28 February in other years
    assert openings.midterm_period(at(2, 28, year=2027)) == "2027"


def accepted_on(moment: datetime, applicant: str = "wuhua_applicant") -> int:
    """A project that entered 绩效评估期 at ``moment`` (moved directly: the acceptance itself is
    beside the point; its start is the stage's entry)."""
    clock.set_now(moment)
    project_id = f.project(applicant)
    with transaction():
        db.session.execute(sa.update(Project).where(Project.id == project_id).values(
            state=ProjectState.EVALUATION.value, stage_entered_at=clock.now()))
    return project_id


def test_evaluation_periods_open_on_their_cadence_once(app):
    project = accepted_on(at(5, 10))
    tick(at(5, 9, year=2027))
    assert evaluations() == []  # not a year yet
    assert "evaluation_periods 2027-05-10" in tick(at(5, 10, year=2027))
    assert evaluations() == [(project, "2027")]
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.entity_type == "evaluation"))
    assert (record.actor_id, record.actor_role) == (None, "system")
    tick(at(5, 11, year=2027))
    with transaction():
        assert openings.open_due_evaluations(at(5, 11, year=2027)) == []  # run twice: nothing new
    tick(at(5, 10, year=2028))  # a year after the last period opened
    assert evaluations() == [(project, "2027"), (project, "2028")]


def test_after_downtime_a_late_tick_opens_one_period(app):
    project = accepted_on(at(1, 5))
    tick(at(3, 20, year=2027))
    tick(at(3, 21, year=2027))
    assert evaluations() == [(project, "2027")]


def test_a_half_yearly_cadence_names_halves_and_skips_an_open_period(app):
    app.config["EVALUATION_EVERY_MONTHS"] = 6
    project = accepted_on(at(1, 31))
    tick(at(7, 30))
    assert evaluations() == []
    tick(at(7, 31))
    assert evaluations() == [(project, "2026H2")]
    assert openings.period_name(date(2027, 1, 3), 3) == "2027Q1"
    assert openings.period_name(date(2027, 5, 3), 5) == "2027-05"
    assert openings.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


@pytest.mark.parametrize("value", ["3-1x", "13-01", "02-30", ""])
def test_a_bad_opening_day_is_refused_at_start(value):
    with pytest.raises(ValueError):
        config.month_day(value)
