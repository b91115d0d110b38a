"""示范项目: proposing well-evaluated projects as candidates (拟推荐) within the places left,
publishing them as a draft list for a public notice (公示), objections (异议) and the Office's
answers, and the leader's confirmation of the final list, which makes them 示范项目."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app import clock, policies
from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import (
    DemonstrationObjection,
    DemonstrationPublication,
    Evaluation,
    Project,
    User,
)
from app.models.base import utcnow
from app.schemas import DemonstrationPublishSchema, ObjectionSchema, load
from app.services.engine.actions import verb
from app.services.engine.fire import fire, state_changed
from app.services.engine.guards import DEMONSTRATION_KEY
from app.services.engine.loading import load_visible
from app.services.notify.deliver import NOTICE, applicants_of, notify
from app.services.records import audit, counters
from app.services.time.calendar import add_working_days
from workflows.demonstration import DemonstrationListState
from workflows.evaluation import EvaluationState, Grade
from workflows.project import ProjectState


def shortlist() -> list[tuple[Project, Evaluation]]:
    """Projects in evaluation whose latest graded evaluation is excellent or good, best first."""
    latest = (sa.select(Evaluation.project_id, sa.func.max(Evaluation.id).label("eid"))
              .where(Evaluation.state == EvaluationState.GRADED).group_by(Evaluation.project_id).subquery())
    rows = db.session.execute(
        sa.select(Project, Evaluation).options(joinedload(Project.organisation), joinedload(Project.application))
        .join(latest, latest.c.project_id == Project.id)
        .join(Evaluation, Evaluation.id == latest.c.eid)
        .where(Project.state == ProjectState.EVALUATION, Evaluation.grade.in_((Grade.EXCELLENT, Grade.GOOD)))
        .order_by(Evaluation.total_score.desc(), Project.id)).all()
    return [(p, e) for p, e in rows]


def lock_places() -> None:
    """Take the demonstration places' lock until the transaction ends: selections queue on it, so
    the places counted under it (guard ``demonstration_places_left``) cannot be overtaken by a
    concurrent selection (SQLite serialises writers anyway)."""
    counters.lock(DEMONSTRATION_KEY)


@verb("project", "select_demonstration")
def select_demonstration(actor: User, project_id: int, fields: dict,
                         expected_version: int | None = None) -> Project:
    """拟推荐: the project becomes a candidate and takes a place; it is not yet a 示范项目."""
    project = load_visible(Project, project_id, actor)
    lock_places()
    fire(project, "select_demonstration", actor, opinion=fields["opinion"],
         expected_version=expected_version, changes={"demonstration_selected_at": utcnow()})
    return project


@verb("project", "deselect_demonstration")
def deselect_demonstration(actor: User, project_id: int, fields: dict,
                           expected_version: int | None = None) -> Project:
    """Withdraw a candidate before the list is confirmed: its place is free again."""
    project = load_visible(Project, project_id, actor)
    fire(project, "deselect_demonstration", actor, opinion=fields["opinion"],
         expected_version=expected_version, changes={"demonstration_selected_at": None})
    return project


def list_under_notice() -> DemonstrationPublication | None:
    return db.session.scalar(sa.select(DemonstrationPublication)
                             .where(DemonstrationPublication.state == DemonstrationListState.NOTICE)
                             .order_by(DemonstrationPublication.id.desc()).limit(1))


def publish_demonstrations(actor: User, data: dict) -> DemonstrationPublication:
    """Publish the candidates as a draft list for a public notice of ``notice_days`` working days
    (default ``DEMONSTRATION_NOTICE_DAYS``), once candidates and demonstration projects together
    hold at least the configured minimum."""
    policies.require("leader", actor)
    fields = load(DemonstrationPublishSchema(), data)
    if list_under_notice() is not None:
        raise Conflict(str(_l("A list is already under public notice: confirm it first.")))
    candidates = list(db.session.scalars(sa.select(Project).where(Project.state == ProjectState.CANDIDATE)
                                         .order_by(Project.id)))
    ids = [p.id for p in candidates]
    confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(Project)
                                  .where(Project.state == ProjectState.DEMONSTRATION))
    low, high = current_app.config["DEMONSTRATION_MIN"], current_app.config["DEMONSTRATION_MAX"]
    if not ids or not low <= len(ids) + confirmed <= high:
        raise Conflict(str(_l("The list must hold %(low)d to %(high)d projects with the demonstration projects "
                              "already confirmed, and at least one candidate; it holds %(n)d candidates and "
                              "%(m)d demonstration projects.", low=low, high=high, n=len(ids), m=confirmed)))
    days = fields["notice_days"] or current_app.config["DEMONSTRATION_NOTICE_DAYS"]
    publication = DemonstrationPublication(published_by_id=actor.id, project_ids=ids, published_at=utcnow(),
                                           stage_entered_at=utcnow(), state=DemonstrationListState.NOTICE,
                                           notice_ends_on=add_working_days(clock.today(), days))
    db.session.add(publication)
    db.session.flush()
    audit_id = audit.record(entity_type="demonstration_list", entity_id=publication.id, trigger="publish", actor=actor,
                            role="leader", to_state=DemonstrationListState.NOTICE.value, opinion=fields["opinion"],
                            payload={"projects": ids, "notice_ends_on": publication.notice_ends_on.isoformat()})
    # Each listed agency hears that its project is under public notice, and until when.
    for project in candidates:
        notify(applicants_of(project), NOTICE, "project", project.id, {
            "trigger": "publish", "to": project.state.value, "actor_id": actor.id, "audit_id": audit_id,
            "list_id": publication.id, "notice_ends_on": publication.notice_ends_on.isoformat()})
    return publication


def file_objection(data: dict) -> DemonstrationObjection:
    """An objection (异议) by anybody, signed in or not, to the list under public notice: a
    contact is required, and it is accepted only until the notice period's last day (Beijing)."""
    fields = load(ObjectionSchema(), data)
    publication = list_under_notice()
    if publication is None:
        raise Conflict(str(_l("No list of demonstration projects is under public notice now.")))
    if clock.today() > publication.notice_ends_on:
        raise Conflict(str(_l("The public notice ended on %(day)s: objections are no longer accepted.",
                              day=format_date(publication.notice_ends_on, "long"))))
    if fields["project_id"] is not None and fields["project_id"] not in publication.project_ids:
        raise Invalid({"project_id": str(_l("Choose a project on the list."))})
    objection = DemonstrationObjection(publication_id=publication.id, project_id=fields["project_id"],
                                       name=fields["name"].strip(), contact=fields["contact"].strip(),
                                       text=fields["text"].strip(), filed_at=utcnow(), stage_entered_at=utcnow())
    db.session.add(objection)
    db.session.flush()
    audit.record(entity_type="demonstration_objection", entity_id=objection.id, trigger="file", actor=None,
                 role="public", to_state=objection.state.value, payload={"list": publication.id},
                 message=state_changed("demonstration_objection", objection.id, "file", None, objection.state.value,
                                       None))
    return objection


@verb("demonstration_objection", "answer_objection")
def answer_objection(actor: User, objection_id: int, fields: dict,
                     expected_version: int | None = None) -> DemonstrationObjection:
    """The Office's answer (the step's opinion) is recorded on the objection."""
    objection = load_visible(DemonstrationObjection, objection_id, actor)
    fire(objection, "answer_objection", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes={"answer": fields["opinion"], "answered_at": utcnow()})
    return objection


@verb("demonstration_list", "confirm_list")
def confirm_list(actor: User, list_id: int, fields: dict,
                 expected_version: int | None = None) -> DemonstrationPublication:
    """After the notice period, with every objection answered: the list is final, and each of its
    candidates still proposed becomes a 示范项目 — all in the caller's one transaction."""
    publication = load_visible(DemonstrationPublication, list_id, actor)
    projects = list(db.session.scalars(sa.select(Project).where(
        Project.id.in_(publication.project_ids), Project.state == ProjectState.CANDIDATE).order_by(Project.id)))
    fire(publication, "confirm_list", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes={"confirmed_at": utcnow(), "project_ids": [p.id for p in projects]})
    for project in projects:
        fire(project, "confirm_demonstration", actor, opinion=fields["opinion"],
             payload={"list": publication.id})
    return publication
