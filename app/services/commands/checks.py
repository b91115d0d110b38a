"""中期检查: one check per project under construction per year, and its conclusions."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import policies
from app.errors import Invalid
from app.extensions import db
from app.models import MidtermCheck, Project, User
from app.schemas import RectificationOrderSchema, ReportSchema
from app.services.commands import materials
from app.services.documents import issuing
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.loading import load_visible
from app.services.engine.opening import open_each
from workflows.project import ProjectState


def open_checks(actor: User, year: int) -> list[MidtermCheck]:
    """Open the year's check for every project under construction that has none yet."""
    policies.require("office_reviewer", actor)
    return _open_checks(actor, "office_reviewer", year)


def open_checks_as_system(year: int) -> list[MidtermCheck]:
    """The scheduled opening (``openings``): no human policy, audited with no actor, role "system"."""
    return _open_checks(None, "system", year)


def checks_to_open(actor: User, year: int) -> int:
    """How many projects opening the year's checks would touch now (what the Office confirms)."""
    policies.require("office_reviewer", actor)
    return db.session.scalar(sa.select(sa.func.count()).select_from(_due_for_check(year).subquery()))


def _due_for_check(year: int) -> sa.Select:
    """Projects under construction, started by ``year``, without that year's check yet."""
    if not 2000 <= year <= 2100:
        raise Invalid({"year": str(_l("Enter a year between 2000 and 2100."))})
    have = sa.select(MidtermCheck.project_id).where(MidtermCheck.year == year)
    return sa.select(Project).where(
        Project.state == ProjectState.UNDER_CONSTRUCTION, Project.id.not_in(have),
        sa.extract("year", Project.starts_on) <= year).order_by(Project.id)


def _open_checks(actor: User | None, role: str, year: int) -> list[MidtermCheck]:
    return open_each(_due_for_check(year), lambda project: MidtermCheck(project_id=project.id, year=year),
                     lambda project: {"project_id": project.id, "year": year},
                     kind="midterm_check", actor=actor, role=role)


@verb("midterm_check", "submit_progress_report", schema=ReportSchema)
def submit_progress_report(actor: User, check_id: int, fields: dict,
                           expected_version: int | None = None) -> MidtermCheck:
    check = load_visible(MidtermCheck, check_id, actor)
    fire(check, "submit_progress_report", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes={"progress_report": fields["report"]})
    materials.attach(actor, "midterm_check", check, "submit_progress_report", fields["materials"])
    return check


@verb("midterm_check", "submit_rectification", schema=ReportSchema)
def submit_rectification(actor: User, check_id: int, fields: dict,
                         expected_version: int | None = None) -> MidtermCheck:
    check = load_visible(MidtermCheck, check_id, actor)
    fire(check, "submit_rectification", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes={"rectification_report": fields["report"]})
    materials.attach(actor, "midterm_check", check, "submit_rectification", fields["materials"])
    return check


@verb("midterm_check", "pass_check")
def pass_check(actor: User, check_id: int, fields: dict, expected_version: int | None = None) -> MidtermCheck:
    check = load_visible(MidtermCheck, check_id, actor)
    fire(check, "pass_check", actor, opinion=fields["opinion"], expected_version=expected_version)
    issuing.reserve("midterm_report", check, actor)  # 中期检查意见: numbered now, rendered after commit
    return check


@verb("midterm_check", "order_rectification", schema=RectificationOrderSchema)
def order_rectification(actor: User, check_id: int, fields: dict,
                        expected_version: int | None = None) -> MidtermCheck:
    check = load_visible(MidtermCheck, check_id, actor)
    fire(check, "order_rectification", actor, opinion=fields["opinion"], payload={"deadline": fields["deadline"]},
         expected_version=expected_version, changes={"rectification_deadline": fields["deadline"]})
    issuing.reserve("midterm_report", check, actor)
    return check


@verb("midterm_check", "terminate_project")
def terminate_from_check(actor: User, check_id: int, fields: dict,
                         expected_version: int | None = None) -> MidtermCheck:
    """The check concludes the project cannot go on: the check and the project both end."""
    check = load_visible(MidtermCheck, check_id, actor)
    fire(check, "terminate_project", actor, opinion=fields["opinion"], expected_version=expected_version)
    fire(check.project, "terminate", actor, opinion=fields["opinion"], payload={"midterm_check_id": check.id})
    issuing.reserve("midterm_report", check, actor)
    return check
