"""逐级上报: the endorsement route from the applicant's place in the division tree, endorsing,
and the office's ranking of its recommendations.

An office's ranking is one place per application in a batch, whatever the submission: the
service refuses a place another of the office's applications in that batch holds (409 naming
it), and the database's unique constraint ``one_place_per_office_batch`` holds it under
concurrency (the loser of a race gets the same 409). An office may re-rank (重新排序) its
endorsed applications while the next level still reviews them — in 逐级上报 at a higher office
or in 初审 — as one recorded step per application whose place changes (audit ``rerank``).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import policies
from app.database import Write, write
from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import (
    Application,
    Endorsement,
    EndorsementSummary,
    IssuedDocument,
    Organisation,
    OrgKind,
    User,
)
from app.models.base import utcnow
from app.models.vocabulary import DivisionLevel
from app.schemas import BatchEndorsementSchema, RankingSchema, RerankSchema, load
from app.services.documents import issuing
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.loading import load_visible
from app.services.records import audit
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


WITH_ENDORSEMENTS = (joinedload(Application.endorsements),)


@verb("application", "endorse", schema=RankingSchema)
def endorse(actor: User, application_id: int, fields: dict, expected_version: int | None = None) -> Application:
    """推荐上报: this office endorses; the application moves to the next office or the province."""
    app = load_visible(Application, application_id, actor, options=WITH_ENDORSEMENTS)
    current, now = app.current_endorsement, utcnow()  # (none: the step's policy refuses it)
    fire(app, "endorse", actor, opinion=fields["opinion"], payload={"ranking": fields["ranking"]},
         expected_version=expected_version,
         changes=lambda to: {"endorsement_level": app.endorsement_level + 1}
         if to == ApplicationState.ENDORSING else {},
         along=[_placing(current, app.batch_id, None, now)] if current else [])  # its time, with the record
    _placed(current, app.batch_id, None, now)
    take_places([(app, current, fields["ranking"])])
    return app


RERANK_STATES = (ApplicationState.ENDORSING, ApplicationState.INITIAL_REVIEW)


def _place_taken(application: Application) -> Conflict:
    return Conflict(str(_l("This place in the ranking is already held by %(name)s (%(number)s); "
                           "choose another place or re-rank first.", name=application.name,
                           number=application.number or "")))


def take_places(moves: list[tuple[Application, Endorsement, int | None]]) -> None:
    """Give each endorsement its place in its office's ranking of the application's batch: a
    place another endorsement of the office and batch holds is a Conflict (checked here, and by
    the unique constraint when two writers race). Every place held is first vacated, so that
    places can be swapped."""
    for app, current, _ranking in moves:
        if current.ranking is not None:
            _place(current, app.batch_id, None)
    if all(ranking is None for _app, _current, ranking in moves):
        return  # no place taken: nothing can collide
    moving = {current.id for _app, current, _r in moves}
    for app, current, ranking in moves:
        if ranking is None:
            continue
        holder = db.session.scalar(sa.select(Application).join(Endorsement).where(
            Endorsement.office_id == current.office_id, Endorsement.batch_id == app.batch_id,
            Endorsement.ranking == ranking, Endorsement.id.not_in(moving)))
        if holder is not None:
            raise _place_taken(holder)
    try:
        with db.session.begin_nested():
            for app, current, ranking in moves:
                if ranking is not None:
                    _place(current, app.batch_id, ranking)
    except IntegrityError:
        raise Conflict(str(_l("Another endorsement took this place in the ranking at the same time; "
                              "reload and choose again."))) from None


# An endorsement's place (and, when the office endorses, its time) in one UPDATE built once: the
# decision's session then holds no changed object, so its commit has nothing to flush.
_E = Endorsement.__table__.c
_PLACE = _E.id.table.update().where(_E.id == sa.bindparam("_id")).values(
    batch_id=sa.bindparam("_batch"), ranking=sa.bindparam("_ranking"))
_ENDORSED = _PLACE.values(endorsed_at=sa.bindparam("_at"))


def _placing(endorsement: Endorsement, batch_id: int, ranking: int | None, endorsed_at=None) -> Write:
    """The UPDATE of an endorsement's place (and time), as a write (``database.write_together``)."""
    params = {"_id": endorsement.id, "_batch": batch_id, "_ranking": ranking}
    if endorsed_at is not None:
        params["_at"] = endorsed_at
    return (_ENDORSED if endorsed_at is not None else _PLACE), params


def _placed(endorsement: Endorsement, batch_id: int, ranking: int | None, endorsed_at=None) -> None:
    """The loaded endorsement, in step with what ``_placing`` wrote."""
    set_committed_value(endorsement, "batch_id", batch_id)
    set_committed_value(endorsement, "ranking", ranking)
    if endorsed_at is not None:
        set_committed_value(endorsement, "endorsed_at", endorsed_at)


def _place(endorsement: Endorsement, batch_id: int, ranking: int | None) -> None:
    write(*_placing(endorsement, batch_id, ranking))
    _placed(endorsement, batch_id, ranking)


def next_place(office_id: int, batch_id: int) -> int:
    """The first place after the office's last one in the batch (the form's suggestion)."""
    last = db.session.scalar(sa.select(sa.func.max(Endorsement.ranking)).where(
        Endorsement.office_id == office_id, Endorsement.batch_id == batch_id))
    return (last or 0) + 1


def suggested_places(actor: User, queue: list[Application]) -> dict[int, int]:
    """The endorsement desk's suggested place for each waiting application: after the office's
    last place in its batch, in the queue's order."""
    places: dict[int, int] = {}
    following: dict[int, int] = {}
    for app in queue:
        if app.batch_id not in following:
            following[app.batch_id] = next_place(actor.organisation_id, app.batch_id)
        places[app.id] = following[app.batch_id]
        following[app.batch_id] += 1
    return places


def office_endorsement(app: Application, office_id: int) -> Endorsement | None:
    return next((e for e in app.endorsements if e.office_id == office_id), None)


def rerank(actor: User, data: dict) -> list[Application]:
    """重新排序: the office gives some of its endorsed applications of one batch new places (all
    at once, so places can be swapped); allowed while the next level still reviews them."""
    policies.require("endorser", actor)
    fields = load(RerankSchema(), data)
    moves, batches = [], set()
    for item in fields["items"]:
        app = load_visible(Application, item["id"], actor)
        current = office_endorsement(app, actor.organisation_id)
        if current is None or current.endorsed_at is None:
            raise Invalid({"items": str(_l("%(name)s has not been endorsed by your office.", name=app.name))})
        if app.state not in RERANK_STATES:
            raise Conflict(str(_l("%(name)s is past the next level's review; its place can no longer change.",
                                  name=app.name)))
        moves.append((app, current, item["ranking"]))
        batches.add(app.batch_id)
    if len(batches) > 1:
        raise Invalid({"items": str(_l("Re-rank the applications of one batch at a time."))})
    before = {current.id: current.ranking for _app, current, _r in moves}
    take_places(moves)
    for app, current, ranking in moves:
        if before[current.id] != ranking:
            audit.record(entity_type="application", entity_id=app.id, trigger="rerank", actor=actor, role="endorser",
                         from_state=app.state.value, to_state=app.state.value, opinion=fields["opinion"],
                         payload={"office_id": current.office_id, "batch_id": app.batch_id,
                                  "from": before[current.id], "to": ranking})
    return [app for app, _c, _r in moves]


def office_ranking(actor: User, batch_id: int | None = None) -> list[tuple[Application, Endorsement]]:
    """The applications the actor's office has endorsed (of one batch, if given), by batch and
    rank (unranked last): the office's list, sorted by its ranking."""
    policies.require("endorser", actor)
    query = (sa.select(Application, Endorsement).join(Endorsement, Endorsement.application_id == Application.id)
             .where(Endorsement.office_id == actor.organisation_id, Endorsement.endorsed_at.is_not(None))
             .order_by(Application.batch_id.desc(), Endorsement.ranking.is_(None), Endorsement.ranking,
                       Application.id))
    if batch_id is not None:
        query = query.where(Application.batch_id == batch_id)
    return [(a, e) for a, e in db.session.execute(query).all()]


def endorse_many(actor: User, data: dict) -> list[Application]:
    """汇总上报: endorse several applications at once, each with its ranking and the version
    the endorser saw, under one opinion; all or nothing. An office ranks its recommendations:
    no two share a place."""
    policies.require("endorser", actor)
    fields = load(BatchEndorsementSchema(), data)
    endorsed = [endorse(actor, item["id"], {"opinion": fields["opinion"], "ranking": item["ranking"]}, item["version"])
                for item in fields["items"]]
    issue_summary(actor, endorsed, fields["opinion"])
    return endorsed


def issue_summary(actor: User, endorsed: list[Application], opinion: str) -> list[EndorsementSummary]:
    """汇总上报表: one numbered document per batch of the endorsed applications, listing them in the
    office's rank order with its opinion; each endorsement points to it (the application's page
    links it). Rendered by a job after commit, like every issued document."""
    summaries = []
    for batch_id in sorted({a.batch_id for a in endorsed}):
        summary = EndorsementSummary(office_id=actor.organisation_id, batch_id=batch_id, opinion=opinion,
                                     created_by_id=actor.id)
        db.session.add(summary)
        db.session.flush()
        for app in endorsed:
            if app.batch_id == batch_id:
                office_endorsement(app, actor.organisation_id).summary_id = summary.id
        db.session.flush()
        db.session.refresh(summary)
        issuing.reserve("endorsement_summary", summary, actor)
        summaries.append(summary)
    return summaries


def summary_documents(actor: User, summary_ids: list[int]) -> dict[int, IssuedDocument]:
    """The 汇总上报表 of the given summaries that the actor may see (the issuing office's endorsers
    and the province), by summary id — an application's page links each one from its route."""
    if not summary_ids:
        return {}
    visible = sa.select(EndorsementSummary.id).where(EndorsementSummary.id.in_(summary_ids),
                                                     policies.visible_to(actor, EndorsementSummary))
    return {d.entity_id: d for d in db.session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.entity_type == "endorsement_summary", IssuedDocument.entity_id.in_(visible)))}
