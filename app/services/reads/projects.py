"""Read-side views of the programme's later stages for the web pages: a project's dossier
(checks per year, acceptance rounds, evaluations, funding requests), an expert's own panels,
the panel draw (seed, pool, who was excluded and why) and the demonstration lists. Everything
is scoped by policies.visible_to or the named policy; nothing here writes."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app import policies
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Acceptance,
    AcceptanceScore,
    AuditRecord,
    DemonstrationPublication,
    Evaluation,
    Expert,
    FundingRequest,
    MidtermCheck,
    Organisation,
    PanelMember,
    Project,
    Role,
    User,
)
from app.policies import panel_membership, visible_to
from app.services.engine.guards import DEMONSTRATION_KEY
from app.services.engine.loading import load_visible
from app.services.reads.applications import EvaluationRecord, agency_evaluations
from app.services.records import counters
from workflows.project import ProjectState


@dataclass
class Dossier:
    project: Project
    checks: list[MidtermCheck]
    acceptances: list[Acceptance]
    evaluations: list[Evaluation]
    funding_requests: list[FundingRequest]
    agency_evaluations: list[EvaluationRecord]


def project_dossier(actor: User, project_id: int) -> Dossier:
    project = load_visible(Project, project_id, actor)

    def rows(model, *order):
        return list(db.session.scalars(sa.select(model).where(model.project_id == project.id,
                                                              visible_to(actor, model)).order_by(*order)))

    funding = list(db.session.scalars(sa.select(FundingRequest).where(FundingRequest.project_id == project.id)
                                      .order_by(FundingRequest.id.desc())))
    return Dossier(project, rows(MidtermCheck, MidtermCheck.year.desc()), rows(Acceptance, Acceptance.round.desc()),
                   rows(Evaluation, Evaluation.id.desc()), funding, agency_evaluations(project.organisation_id))


def funding_context(actor: User, project_id: int) -> tuple[Project, list[EvaluationRecord]]:
    """The project and its agency's evaluation history, shown beside a follow-on funding request."""
    project = load_visible(Project, project_id, actor)
    return project, agency_evaluations(project.organisation_id)


# --- acceptance panels -------------------------------------------------------------------------
def my_panels(actor: User) -> list[tuple[Acceptance, PanelMember]]:
    """The acceptances whose panel the actor sits on, open ones first."""
    rows = db.session.execute(
        sa.select(Acceptance, PanelMember).join(PanelMember, PanelMember.acceptance_id == Acceptance.id)
        .join(Expert, Expert.id == PanelMember.expert_id).where(Expert.user_id == actor.id)
        .order_by(Acceptance.state.in_(("passed", "passed_with_conditions", "failed", "re_requested")),
                  Acceptance.id.desc())).all()
    return [(a, m) for a, m in rows]


@dataclass(frozen=True)
class Excluded:
    expert: Expert
    reason: str  # "same_organisation", "same_division" or "inactive"


@dataclass
class PanelView:
    acceptance: Acceptance
    membership: PanelMember | None        # the actor's own seat, if any
    sees_all_scores: bool
    scores: dict                          # expert_id → {criterion: AcceptanceScore}
    draw: AuditRecord | None              # the form_panel record (seed, pool, panel)
    excluded: list[Excluded]


@dataclass(frozen=True)
class ScoreAccess:
    acceptance: Acceptance
    membership: PanelMember | None
    office: bool
    sees_all: bool
    scores: list[AcceptanceScore]


def visible_scores(actor: User, acceptance_id: int) -> ScoreAccess:
    """The one rule for acceptance scores (pages and API): experts see their own; the office,
    the leaders and the chair see every expert's; the applicant agency sees none; an expert of
    another round of the same project cannot see this round at all."""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    membership = panel_membership(actor, acceptance)
    office = bool(policies.check("office_reviewer", actor)) or bool(policies.check("leader", actor))
    owner = acceptance.project.organisation_id == actor.organisation_id
    if membership is None and not office and not owner and actor.has_role(Role.EXPERT):
        raise NotFound(f"acceptances {acceptance_id}")  # another round's panel: not theirs to see
    sees_all = office or (membership is not None and membership.is_chair)
    query = sa.select(AcceptanceScore).where(AcceptanceScore.acceptance_id == acceptance.id)
    if not sees_all:
        query = query.where(AcceptanceScore.expert_id == (membership.expert_id if membership else -1))
    scores = list(db.session.scalars(query.order_by(AcceptanceScore.expert_id, AcceptanceScore.id)))
    return ScoreAccess(acceptance, membership, office, sees_all, scores)


def panel_view(actor: User, acceptance_id: int) -> PanelView:
    """An acceptance as the actor may see it (scores by visible_scores); the office also sees
    who the draw excluded."""
    access = visible_scores(actor, acceptance_id)
    acceptance, membership, office, sees_all = access.acceptance, access.membership, access.office, access.sees_all
    scores: dict = {}
    for s in access.scores:
        scores.setdefault(s.expert_id, {})[s.criterion] = s
    draw = db.session.scalar(sa.select(AuditRecord).where(
        AuditRecord.entity_type == "acceptance", AuditRecord.entity_id == acceptance.id,
        AuditRecord.trigger == "form_panel").order_by(AuditRecord.id.desc()).limit(1))
    return PanelView(acceptance, membership, sees_all, scores, draw,
                     excluded_experts(acceptance) if office else [])


def excluded_experts(acceptance: Acceptance) -> list[Excluded]:
    """Who the random draw may not pick for this project, and why (conflict of interest)."""
    project = acceptance.project
    rows = db.session.execute(
        sa.select(Expert, User, Organisation).join(User, User.id == Expert.user_id)
        .join(Organisation, Organisation.id == User.organisation_id).order_by(Expert.id)).all()
    out = []
    for expert, user, org in rows:
        if user.organisation_id == project.organisation_id:
            out.append(Excluded(expert, "same_organisation"))
        elif org.division_code == project.division_code:
            out.append(Excluded(expert, "same_division"))
        elif not (expert.active and user.active):
            out.append(Excluded(expert, "inactive"))
    return out


# --- demonstration -----------------------------------------------------------------------------
@dataclass
class DemonstrationBoard:
    selected: list[Project]
    minimum: int
    maximum: int
    places_taken: int
    latest: DemonstrationPublication | None


def demonstration_board(actor: User) -> DemonstrationBoard:
    policies.require("programme_overview", actor)
    selected = list(db.session.scalars(sa.select(Project).where(Project.state == ProjectState.DEMONSTRATION)
                                       .order_by(Project.demonstration_selected_at, Project.id)))
    return DemonstrationBoard(selected, current_app.config["DEMONSTRATION_MIN"],
                              current_app.config["DEMONSTRATION_MAX"],
                              counters.value(DEMONSTRATION_KEY), latest_publication())


def latest_publication() -> DemonstrationPublication | None:
    return db.session.scalar(sa.select(DemonstrationPublication)
                             .order_by(DemonstrationPublication.id.desc()).limit(1))


def published_list() -> tuple[DemonstrationPublication | None, list[Project]]:
    """The latest published list of demonstration projects (public to every signed-in user)."""
    publication = latest_publication()
    if publication is None:
        return None, []
    projects = {p.id: p for p in db.session.scalars(sa.select(Project).where(
        Project.id.in_(publication.project_ids)))}
    return publication, [projects[i] for i in publication.project_ids if i in projects]
