"""The expert pool as a panel draw sees it: who may be drawn for a project (conflicts of
interest: the applicant's organisation, its division and the divisions above and below it on
the route) and who is a specialist of its domain."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Acceptance,
    Division,
    DivisionLevel,
    Domain,
    Expert,
    Organisation,
    User,
)


def route_divisions(division_code: str) -> set[str]:
    """The divisions whose experts avoid a project of ``division_code``: its own, those above it
    on the endorsement route (county → prefecture; the province is everyone's parent and reviews
    every filing, so it is not counted) and those below it (a prefecture's counties)."""
    codes = {division_code}
    division = db.session.get(Division, division_code)
    if division is None:
        return codes
    above = division.parent
    while above is not None and above.level != DivisionLevel.PROVINCE:
        codes.add(above.code)
        above = above.parent
    if division.level != DivisionLevel.PROVINCE:
        level = {division_code}
        while level:
            level = set(db.session.scalars(sa.select(Division.code).where(Division.parent_code.in_(level))))
            codes |= level
    return codes


def eligible_experts(acceptance: Acceptance) -> list[Expert]:
    """The pool minus conflicts of interest: nobody from the applicant's organisation, nor from
    its division or the divisions above and below it on the route (``route_divisions``)."""
    project = acceptance.project
    return list(db.session.scalars(
        sa.select(Expert).join(User, User.id == Expert.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Expert.active, User.active, User.organisation_id != project.organisation_id,
               Organisation.division_code.not_in(route_divisions(project.division_code)))
        .order_by(Expert.id)))


def project_domain(acceptance: Acceptance) -> Domain:
    return acceptance.project.application.domain


def specialists(experts: list[Expert], domain: Domain) -> list[Expert]:
    return [e for e in experts if domain in e.domains]
