"""逐级上报: the endorsement route from the applicant's place in the division tree, and endorsing."""
from __future__ import annotations

import sqlalchemy as sa

from app import policies
from app.extensions import db
from app.models import Application, Endorsement, Organisation, OrgKind, User
from app.models.base import utcnow
from app.models.vocabulary import DivisionLevel
from app.schemas import BatchEndorsementSchema, RankingSchema, load
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.loading import load_visible
from workflows.application import ApplicationState


def it_office_of(division_code: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(
        Organisation.kind == OrgKind.IT_OFFICE, Organisation.division_code == division_code))


def endorsement_route(applicant: Organisation) -> list[Endorsement]:
    """County department: county office then prefecture office; prefecture department: the
    prefecture office; provincial department: none. An office never endorses its own filing."""
    division = applicant.division
    codes: list[str] = []
    if division.level == DivisionLevel.COUNTY:
        codes = [division.code, division.parent_code]
    elif division.level == DivisionLevel.PREFECTURE:
        codes = [division.code]
    offices = [o for o in (it_office_of(c) for c in codes) if o is not None and o.id != applicant.id]
    return [Endorsement(position=i, office_id=o.id) for i, o in enumerate(offices)]


@verb("application", "endorse", schema=RankingSchema)
def endorse(actor: User, application_id: int, fields: dict, expected_version: int | None = None) -> Application:
    """推荐上报: this office endorses; the application moves to the next office or the province."""
    app = load_visible(Application, application_id, actor)
    current = app.current_endorsement
    fire(app, "endorse", actor, opinion=fields["opinion"], payload={"ranking": fields["ranking"]},
         expected_version=expected_version,
         changes=lambda to: {"endorsement_level": app.endorsement_level + 1}
         if to == ApplicationState.ENDORSING else {})
    current.endorsed_at, current.ranking = utcnow(), fields["ranking"]
    return app


def endorse_many(actor: User, data: dict) -> list[Application]:
    """汇总上报: endorse several applications at once, each with its ranking and the version
    the endorser saw, under one opinion; all or nothing. An office ranks its recommendations:
    no two share a place."""
    policies.require("endorser", actor)
    fields = load(BatchEndorsementSchema(), data)
    return [endorse(actor, item["id"], {"opinion": fields["opinion"], "ranking": item["ranking"]}, item["version"])
            for item in fields["items"]]
