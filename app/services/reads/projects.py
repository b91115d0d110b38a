"""Projects, mid-term checks, acceptances with panels, evaluations and demonstration, as pages and API read them."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from app import policies
from app.extensions import db
from app.kinds import MODEL_OF
from app.models import (
    Acceptance,
    AcceptanceScore,
    AuditRecord,
    DemonstrationObjection,
    DemonstrationPublication,
    Domain,
    Evaluation,
    Expert,
    FundingRequest,
    IssuedDocument,
    MidtermCheck,
    Organisation,
    PanelMember,
    Project,
    User,
    vacant_seats,
)
from app.policies import panel_membership, panel_seat, undeclared_seat, visible_to
from app.services.engine.guards import PLACE_STATES
from app.services.engine.loading import load_visible
from app.services.reads.expert_pool import project_domain, route_divisions
from app.services.reads.history import items_timeline, of_items, title_of
from app.services.reads.paging import (
    Detail,
    Page,
    Timed,
    at_level,
    attach,
    paginate,
    timed_page,
)
from app.services.time import due, limits
from workflows.demonstration import DemonstrationListState, ObjectionState
from workflows.evaluation import EvaluationState, Grade

# --- projects --------------------------------------------------------------------------------
# A project's row shows its most pressing deadline (the earliest): its own stage's (the end of
# construction; the acceptance stage's limit) or one of its open mid-term checks, acceptance
# rounds and evaluations.
PROJECT_ITEMS = ("midterm_check", "acceptance", "evaluation")


def _timed_items(kind: str):
    model = MODEL_OF[kind]
    return sa.select(model.project_id).where(model.state.in_(limits.timed_states(kind)))


def attach_project_statuses(projects: list[Project]) -> None:
    """Give each project its ``time_limit``: the most pressing of its own stage's (the end of
    construction, which an approved extension moves; the acceptance stage's limit) and its open
    items' (``due.listed``: from the stored days), else no time limit. One query per kind for
    the items."""
    ids = [p.id for p in projects]
    best: dict[int, limits.Limit] = {}

    def keep(project_id: int, limit: limits.Limit) -> None:
        held = best.get(project_id)
        if limit.deadline is not None and (held is None or limit.deadline < held.deadline):
            best[project_id] = limit

    for project_id, limit in due.listed("project", projects).items():
        keep(project_id, limit)
    for kind in PROJECT_ITEMS if ids else ():
        model = MODEL_OF[kind]
        items = list(db.session.scalars(sa.select(model).where(
            model.project_id.in_(ids), model.state.in_(limits.timed_states(kind)))))
        project_of = {i.id: i.project_id for i in items}
        for item_id, limit in due.listed(kind, items).items():
            keep(project_of[item_id], limit)
    for project in projects:
        project.time_limit = best.get(project.id, NO_LIMIT)


def _items_at(level: str) -> sa.ColumnElement[bool]:
    """The project's own stage or one of its open items stands at ``level``."""
    return sa.or_(at_level(due.day_column("project", Project), level),
                  *(Project.id.in_(_timed_items(kind).where(at_level(due.day_column(kind, MODEL_OF[kind]), level)))
                    for kind in PROJECT_ITEMS))


def _project_at(level: str) -> sa.ColumnElement[bool]:
    """A project stands at the level of its most pressing deadline: overdue if any is, due soon
    if none is overdue and one is due soon, on time if every dated one is."""
    worse = {"overdue": (), "due_soon": ("overdue",), "on_time": ("overdue", "due_soon")}[level]
    return sa.and_(_items_at(level), *(sa.not_(_items_at(w)) for w in worse))


NO_LIMIT = limits.Limit(None, limits.Level.NONE, None)
PROJECT_TIMED = Timed(attach_project_statuses, _project_at)


def list_projects(actor: User, page: int = 1, per_page: int = 20, state: str | None = None,
                  batch_id: int | None = None, level: str | None = None) -> Page[Project]:
    """The list (web page and API), newest first, with the rows' organisations in one more query
    and each row's most pressing deadline (``attach_project_statuses``); ``level`` keeps only
    the rows at that warning level."""
    query = sa.select(Project).where(visible_to(actor, Project))
    if state:
        query = query.where(Project.state == state)
    if batch_id:
        query = query.where(Project.batch_id == batch_id)
    result = timed_page(query, (Project.id.desc(),), PROJECT_TIMED, page, per_page, level)
    attach(result.items, "organisation", Organisation, "organisation_id")
    return result


def project_detail(actor: User, project_id: int) -> Project:
    project = load_visible(Project, project_id, actor)
    attach_project_statuses([project])
    return project


@dataclass(frozen=True)
class EvaluationRecord:
    project_id: int
    project_code: str
    project_name: str
    period: str
    total_score: object
    grade: object


def agency_evaluations(organisation_id: int) -> list[EvaluationRecord]:
    """Every graded evaluation of the agency's projects, newest first — shown beside any
    later application or follow-on funding request of that agency."""
    rows = db.session.execute(
        sa.select(Evaluation, Project.code, Project.name).join(Project, Project.id == Evaluation.project_id)
        .where(Evaluation.organisation_id == organisation_id, Evaluation.state == EvaluationState.GRADED)
        .order_by(Evaluation.graded_at.desc(), Evaluation.id.desc())).all()
    return [EvaluationRecord(e.project_id, code, name, e.period, e.total_score, e.grade) for e, code, name in rows]


def agency_history(actor: User, kind: str, entity_id: int) -> list[EvaluationRecord]:
    """The graded evaluations of the agency behind an item the actor may see (an application, a
    project, an evaluation): what reviewers weigh beside a new application or a follow-on request."""
    entity = load_visible(MODEL_OF[kind], entity_id, actor)
    return agency_evaluations(entity.organisation_id)


@dataclass
class Dossier:
    project: Project
    checks: list[MidtermCheck]
    acceptances: list[Acceptance]
    evaluations: list[Evaluation]
    funding_requests: list[FundingRequest]
    agency_evaluations: list[EvaluationRecord]
    documents: list[IssuedDocument]  # the project's and its stages' official documents, oldest first
    history: list[AuditRecord]  # every history entry of the project and of its stages
    titles: dict[tuple[str, int], str]  # (kind, id) → what a person calls each of those items


def project_dossier(actor: User, project_id: int) -> Dossier:
    """A project with its checks per year, acceptance rounds, evaluations, funding requests and
    its agency's evaluation history (the project page)."""
    project = project_detail(actor, project_id)

    def rows(model, *order):
        return list(db.session.scalars(sa.select(model).where(model.project_id == project.id,
                                                              visible_to(actor, model)).order_by(*order)))

    funding = rows(FundingRequest, FundingRequest.id.desc())
    checks, acceptances = rows(MidtermCheck, MidtermCheck.year.desc()), rows(Acceptance, Acceptance.round.desc())
    evaluations = rows(Evaluation, Evaluation.id.desc())
    items = {"project": [project], "midterm_check": checks, "acceptance": acceptances, "evaluation": evaluations}
    documents = list(db.session.scalars(sa.select(IssuedDocument).where(of_items(IssuedDocument, items))
                                        .options(sa.orm.selectinload(IssuedDocument.versions))
                                        .order_by(IssuedDocument.id)))
    titles = {(kind, e.id): title_of(kind, e) for kind, entities in items.items() for e in entities}
    return Dossier(project, checks, acceptances, evaluations, funding, agency_evaluations(project.organisation_id),
                   documents, items_timeline(items), titles)


def _with_project(model):
    """The list pages show each row's project and agency: both are joined into the page SELECT
    (no extra statement; paginate's COUNT leaves the loader option out)."""
    return joinedload(model.project, innerjoin=True).joinedload(Project.organisation, innerjoin=True)


# --- mid-term checks ---------------------------------------------------------------------------
def list_midterm_checks(actor: User, project_id: int | None = None, year: int | None = None,
                        state: str | None = None, page: int = 1, per_page: int = 20,
                        level: str | None = None) -> Page[MidtermCheck]:
    query = sa.select(MidtermCheck).where(visible_to(actor, MidtermCheck)).options(_with_project(MidtermCheck))
    if project_id:
        query = query.where(MidtermCheck.project_id == project_id)
    if year:
        query = query.where(MidtermCheck.year == year)
    if state:
        query = query.where(MidtermCheck.state == state)
    return timed_page(query, (MidtermCheck.id.desc(),), Timed.of("midterm_check"), page, per_page, level)


def midterm_check_detail(actor: User, check_id: int) -> MidtermCheck:
    check = load_visible(MidtermCheck, check_id, actor)
    limits.attach_statuses("midterm_check", [check])
    return check


# --- acceptance rounds and their panels -----------------------------------------------------------
def list_acceptances(actor: User, project_id: int | None = None, state: str | None = None,
                     page: int = 1, per_page: int = 20, level: str | None = None) -> Page[Acceptance]:
    query = sa.select(Acceptance).where(visible_to(actor, Acceptance)).options(_with_project(Acceptance))
    if project_id:
        query = query.where(Acceptance.project_id == project_id)
    if state:
        query = query.where(Acceptance.state == state)
    return timed_page(query, (Acceptance.id.desc(),), Timed.of("acceptance"), page, per_page, level)


@dataclass(frozen=True)
class ScoreAccess:
    acceptance: Acceptance
    membership: PanelMember | None
    office: bool
    sees_all: bool
    scores: list[AcceptanceScore]


def visible_scores(actor: User, acceptance_id: int) -> ScoreAccess:
    """The one rule for acceptance scores: experts see their own; the office, the leaders and the
    chair see every expert's; the applicant agency sees none. (An expert of another round of the
    same project cannot see this round at all: ``visible_to``.)"""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    membership = panel_membership(actor, acceptance)
    office = bool(policies.check("office_reviewer", actor)) or bool(policies.check("leader", actor))
    if membership is not None and membership.declaration != "no_conflict":
        membership = None  # not declared yet (回避声明): no scores at all, not even the chair
    sees_all = office or (membership is not None and membership.is_chair)
    query = sa.select(AcceptanceScore).where(AcceptanceScore.acceptance_id == acceptance.id)
    if not sees_all:
        query = query.where(AcceptanceScore.expert_id == (membership.expert_id if membership else -1))
    scores = list(db.session.scalars(query.order_by(AcceptanceScore.expert_id, AcceptanceScore.id)))
    return ScoreAccess(acceptance, membership, office, sees_all, scores)


def acceptance_detail(actor: User, acceptance_id: int) -> Detail:
    """An acceptance round as the actor may see it (page and API): its panel (experts and their
    names loaded in two queries), the scores by visible_scores (a list, and by expert and
    criterion), the actor's own seat, the recorded draw (seed, pool) and, for the office, who the
    draw excluded and why."""
    access = visible_scores(actor, acceptance_id)
    acceptance = access.acceptance
    limits.attach_statuses("acceptance", [acceptance])
    members = acceptance.members
    attach(members, "expert", Expert, "expert_id")
    attach([m.expert for m in members], "user", User, "user_id")
    by_expert: dict = {}
    for s in access.scores:
        by_expert.setdefault(s.expert_id, {})[s.criterion] = s
    draw = db.session.scalar(sa.select(AuditRecord).where(
        AuditRecord.entity_type == "acceptance", AuditRecord.entity_id == acceptance.id,
        AuditRecord.trigger == "form_panel").order_by(AuditRecord.id.desc()).limit(1))
    seat = panel_seat(actor, acceptance)
    undeclared = undeclared_seat(actor, acceptance) is not None
    panel = acceptance.panel
    attach(panel, "expert", Expert, "expert_id")
    attach([m.expert for m in panel], "user", User, "user_id")
    extra = {"summary": ""} if undeclared else {}
    return Detail(acceptance, members=members, scores=access.scores, scores_by_expert=by_expert,
                  membership=access.membership, sees_all_scores=access.sees_all, draw=draw,
                  excluded=excluded_experts(acceptance) if access.office else [],
                  seat=seat, undeclared=undeclared, panel=panel, declarations=declarations(panel),
                  specialist_drawn=(draw.payload or {}).get("specialist_drawn", True) if draw else True,
                  domain=project_domain(acceptance), **extra)


@dataclass(frozen=True)
class Declaration:
    """One seat's 回避声明 as the acceptance page and the report show it."""

    seat: PanelMember
    replaced_by: PanelMember | None  # the replacement drawn for a recusal
    unreplaced: bool  # recused with nobody (yet) drawn to replace them: a vacant seat


def declarations(panel: list[PanelMember]) -> list[Declaration]:
    by_replaced = {m.replaces_id: m for m in panel if m.replaces_id is not None}
    vacant = {m.id for m in vacant_seats(panel)}
    return [Declaration(m, by_replaced.get(m.id), m.id in vacant) for m in panel]


@dataclass(frozen=True)
class Excluded:
    expert: Expert
    reason: str  # "same_organisation", "same_division", "route_division" (above or below it) or "inactive"


def excluded_experts(acceptance: Acceptance) -> list[Excluded]:
    """Who the random draw may not pick for this project, and why (conflict of interest)."""
    project = acceptance.project
    route = route_divisions(project.division_code)
    rows = db.session.execute(
        sa.select(Expert, User, Organisation).join(User, User.id == Expert.user_id)
        .join(Organisation, Organisation.id == User.organisation_id).order_by(Expert.id)).all()
    out = []
    for expert, user, org in rows:
        if user.organisation_id == project.organisation_id:
            out.append(Excluded(expert, "same_organisation"))
        elif org.division_code == project.division_code:
            out.append(Excluded(expert, "same_division"))
        elif org.division_code in route:
            out.append(Excluded(expert, "route_division"))
        elif not (expert.active and user.active):
            out.append(Excluded(expert, "inactive"))
    return out


def my_panels(actor: User) -> list[tuple[Acceptance, PanelMember]]:
    """The acceptances whose panel the actor sits on, open ones first."""
    rows = db.session.execute(
        sa.select(Acceptance, PanelMember).join(PanelMember, PanelMember.acceptance_id == Acceptance.id)
        .join(Expert, Expert.id == PanelMember.expert_id).where(Expert.user_id == actor.id)
        .order_by(Acceptance.state.in_(("passed", "passed_with_conditions", "failed", "re_requested")),
                  Acceptance.id.desc())).all()
    return [(a, m) for a, m in rows]


# --- evaluations -------------------------------------------------------------------------------
def list_evaluations(actor: User, project_id: int | None = None, period: str | None = None,
                     state: str | None = None, page: int = 1, per_page: int = 20,
                     level: str | None = None) -> Page[Evaluation]:
    query = sa.select(Evaluation).where(visible_to(actor, Evaluation)).options(_with_project(Evaluation))
    if project_id:
        query = query.where(Evaluation.project_id == project_id)
    if period:
        query = query.where(Evaluation.period == period)
    if state:
        query = query.where(Evaluation.state == state)
    return timed_page(query, (Evaluation.id.desc(),), Timed.of("evaluation"), page, per_page, level)


def evaluation_detail(actor: User, evaluation_id: int) -> Evaluation:
    ev = load_visible(Evaluation, evaluation_id, actor)
    limits.attach_statuses("evaluation", [ev])
    return ev


# --- demonstration -----------------------------------------------------------------------------
@dataclass
class PublicRow:
    """What a 公示 shows of a project: nothing internal beyond its name, agency, domain and grade."""
    project_id: int
    name: str
    agency: str
    domain: Domain
    grade: Grade | None


@dataclass
class DemonstrationBoard:
    selected: list[Project]  # candidates (拟推荐) and demonstration projects: the places taken
    minimum: int
    maximum: int
    places_taken: int
    latest: DemonstrationPublication | None
    coverage: dict  # Domain → places taken in it
    uncovered: list  # domains with an eligible project on the shortlist but none selected


def _latest_grades(project_ids) -> dict[int, Grade]:
    rows = db.session.execute(sa.select(Evaluation.project_id, Evaluation.grade).where(
        Evaluation.project_id.in_(list(project_ids)), Evaluation.state == EvaluationState.GRADED)
        .order_by(Evaluation.project_id, Evaluation.id))
    return {project_id: grade for project_id, grade in rows}  # the highest id wins


def demonstration_board(actor: User, shortlist=()) -> DemonstrationBoard:
    """The places taken, the domains they cover, and the domains whose eligible projects (the
    ``shortlist``'s) have none selected."""
    policies.require("programme_overview", actor)
    selected = list(db.session.scalars(sa.select(Project).options(joinedload(Project.organisation),
                                                                  joinedload(Project.application))
                                       .where(Project.state.in_(PLACE_STATES))
                                       .order_by(Project.demonstration_selected_at, Project.id)))
    coverage = dict.fromkeys(Domain, 0)
    for p in selected:
        coverage[p.application.domain] += 1
    uncovered = sorted({p.application.domain for p, _ev in shortlist if not coverage[p.application.domain]},
                       key=list(Domain).index)
    return DemonstrationBoard(selected, current_app.config["DEMONSTRATION_MIN"],
                              current_app.config["DEMONSTRATION_MAX"], len(selected), latest_publication(),
                              coverage, uncovered)


def latest_publication() -> DemonstrationPublication | None:
    return db.session.scalar(sa.select(DemonstrationPublication)
                             .order_by(DemonstrationPublication.id.desc()).limit(1))


def public_rows(publication: DemonstrationPublication) -> list[PublicRow]:
    """The list's projects as the 公示 shows them, in the list's order: under notice, those still
    proposed (a candidate withdrawn meanwhile leaves it); confirmed, those it confirmed."""
    wanted = PLACE_STATES if publication.state == DemonstrationListState.NOTICE else None
    query = sa.select(Project).options(joinedload(Project.organisation), joinedload(Project.application)) \
        .where(Project.id.in_(publication.project_ids))
    if wanted:
        query = query.where(Project.state.in_(wanted))
    projects = {p.id: p for p in db.session.scalars(query)}
    grades = _latest_grades(projects)
    return [PublicRow(p.id, p.name, p.organisation.name, p.application.domain, grades.get(p.id))
            for i in publication.project_ids if (p := projects.get(i)) is not None]


def public_list() -> tuple[DemonstrationPublication | None, list[PublicRow]]:
    """What the public page shows: the list under notice, else the last confirmed list."""
    publication = db.session.scalar(sa.select(DemonstrationPublication).order_by(
        (DemonstrationPublication.state == DemonstrationListState.NOTICE).desc(),
        DemonstrationPublication.id.desc()).limit(1))
    return (publication, public_rows(publication)) if publication else (None, [])


def domain_coverage(rows: list[PublicRow]) -> dict:
    """Domain → how many of the rows are in it (all 12 domains, in their order)."""
    coverage = dict.fromkeys(Domain, 0)
    for row in rows:
        coverage[row.domain] += 1
    return coverage


def objection_counts(publication: DemonstrationPublication) -> dict[ObjectionState, int]:
    """How many objections the list received, by state (what the public page may say)."""
    counts = dict(db.session.execute(sa.select(DemonstrationObjection.state, sa.func.count()).where(
        DemonstrationObjection.publication_id == publication.id).group_by(DemonstrationObjection.state)).all())
    return {st: counts.get(st, 0) for st in ObjectionState}


def demonstration_list_detail(actor: User, list_id: int) -> DemonstrationPublication:
    """A list with its objections and answers: the Office and the leaders (404 for others)."""
    publication = load_visible(DemonstrationPublication, list_id, actor)
    limits.attach_statuses("demonstration_list", [publication])
    limits.attach_statuses("demonstration_objection", publication.objections)
    return publication


def list_demonstration_lists(actor: User, page: int = 1, per_page: int = 20) -> Page[DemonstrationPublication]:
    """Every published list, newest first: the Office and the leaders (empty for others)."""
    return paginate(sa.select(DemonstrationPublication).where(visible_to(actor, DemonstrationPublication)),
                    (DemonstrationPublication.id.desc(),), page, per_page)


def list_objections(actor: User, page: int = 1, per_page: int = 20) -> Page[DemonstrationObjection]:
    """Every objection, newest first: the Office and the leaders (empty for others)."""
    return paginate(sa.select(DemonstrationObjection).where(visible_to(actor, DemonstrationObjection)),
                    (DemonstrationObjection.id.desc(),), page, per_page)


def objection_detail(actor: User, objection_id: int) -> DemonstrationObjection:
    objection = load_visible(DemonstrationObjection, objection_id, actor)
    limits.attach_statuses("demonstration_objection", [objection])
    return objection


def published_list() -> tuple[DemonstrationPublication | None, list[Project]]:
    """The latest published list (under notice or confirmed) and its projects in its order."""
    publication = latest_publication()
    if publication is None:
        return None, []
    projects = {p.id: p for p in db.session.scalars(sa.select(Project).where(
        Project.id.in_(publication.project_ids)))}
    return publication, [projects[i] for i in publication.project_ids if i in projects]
