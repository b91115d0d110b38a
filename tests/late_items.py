"""One late and one fresh item of every later-stage list (checks, acceptances, evaluations and
their projects), for the lists' warning-level tests of the web pages and the API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import MidtermCheck, Project
from app.services.commands import checks, evaluation
from tests import factories as f
from workflows.project import ProjectState

EARLY = datetime(2026, 3, 2, 10, tzinfo=clock.BEIJING)
LATE = datetime(2026, 7, 15, 10, tzinfo=clock.BEIJING)  # past every limit counted from EARLY


@dataclass
class Pair:
    late: int
    fresh: int


@dataclass
class LateItems:
    projects: Pair
    checks: Pair
    acceptances: Pair
    evaluations: Pair


def _evaluated(applicant: str) -> int:
    """A project in its evaluation period with the year's evaluation opened. A shortcut: the
    project is moved to 绩效评估期 directly, not through a signed acceptance (slow, and beside
    the point here)."""
    project_id = f.project(applicant)
    with transaction():
        db.session.execute(sa.update(Project).where(Project.id == project_id)
                           .values(state=ProjectState.EVALUATION.value))
        return evaluation.open_evaluations(f.user("office"), "2026", [project_id])[0].id


def _checked(applicant: str) -> tuple[int, int]:
    project_id = f.project(applicant)
    with transaction():
        checks.open_checks(f.user("office"), 2026)
    return project_id, db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))


def late_items() -> LateItems:
    """Items opened on 2 March (overdue by 16 July) and on 15 July (on time on 16 July); the
    clock is left on 16 July."""
    clock.set_now(EARLY)
    _p, late_acceptance = f.in_acceptance("wuhua_applicant")
    late_evaluation = _evaluated("dali_applicant")
    late_project, late_check = _checked("kunming_applicant")
    clock.set_now(LATE)
    _p, fresh_acceptance = f.in_acceptance("qujing_applicant")
    fresh_evaluation = _evaluated("dali_applicant")
    fresh_project, fresh_check = _checked("kunming_applicant")
    clock.set_now(LATE.replace(day=16))
    return LateItems(Pair(late_project, fresh_project), Pair(late_check, fresh_check),
                     Pair(late_acceptance, fresh_acceptance), Pair(late_evaluation, fresh_evaluation))
