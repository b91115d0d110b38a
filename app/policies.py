"""Who may do what: one table of small rules returning Decision(allowed, reason); deny by default.

The same scoping (``visible_to``) serves lists, details, downloads, exports and counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import object_session

from app import prefetch
from app.errors import Denied
from app.models import (
    Acceptance,
    Application,
    ChangeRequest,
    DivisionLevel,
    Endorsement,
    EndorsementSummary,
    Evaluation,
    FundingRequest,
    JointOpinion,
    MidtermCheck,
    Organisation,
    OrgKind,
    PanelMember,
    Project,
    Role,
    User,
)
from app.models.user import Expert


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason) -> Decision:
    return Decision(False, str(reason))


Rule = Callable[[User, object], Decision]
RULES: dict[str, Rule] = {}


def rule(name: str):
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn
    return register


# The rules that can also be asked of many rows at once: (actor, model) → a WHERE clause, or a
# plain True/False when the answer does not depend on the row. Each gives the same answer as
# its rule above for every row (tests/services/test_due_days.py compares the inbox they make with
# the item-by-item answer); the inbox counts and pages its tasks with them, and asks a rule
# missing here item by item.
SQL_RULES: dict[str, Callable[[User, type], sa.ColumnElement[bool] | bool]] = {}


def sql_rule(name: str):
    def register(fn):
        SQL_RULES[name] = fn
        return fn
    return register


def check(name: str, actor: User | None, entity: object = None) -> Decision:
    """Apply the named rule; unknown rules, anonymous and inactive actors are denied."""
    if actor is None or not actor.active:
        return deny(_l("Please sign in with an active account."))
    fn = RULES.get(name)
    if fn is None:
        return deny(_l("No policy named '%(name)s' exists; the action is denied.", name=name))
    return fn(actor, entity)


def require(name: str, actor: User | None, entity: object = None) -> None:
    """Apply the named rule and raise Denied with its reason when it says no."""
    decision = check(name, actor, entity)
    if not decision:
        raise Denied(decision.reason)


def owner_organisation_id(entity: object) -> int | None:
    if isinstance(entity, (Application, Project, Evaluation, FundingRequest)):
        return entity.organisation_id
    if isinstance(entity, (MidtermCheck, Acceptance, ChangeRequest)):
        return entity.project.organisation_id
    return None


def _has(actor: User, role: Role, reason) -> Decision:
    return ALLOW if actor.has_role(role) else deny(reason)


def owner_clause(model, organisation_id: int | None) -> sa.ColumnElement[bool]:
    """``owner_organisation_id(row) == organisation_id`` as a WHERE clause over ``model``."""
    if model in (Application, Project, Evaluation, FundingRequest):
        return model.organisation_id == organisation_id
    if model in (MidtermCheck, Acceptance, ChangeRequest):
        return model.project_id.in_(sa.select(Project.id).where(Project.organisation_id == organisation_id))
    return sa.false()


# --- rules named by workflow steps -----------------------------------------------------------
@rule("applicant_owns")
def applicant_owns(actor: User, entity: object) -> Decision:
    if not actor.has_role(Role.APPLICANT):
        return deny(_l("Only an applicant agency's staff may do this."))
    if owner_organisation_id(entity) != actor.organisation_id:
        return deny(_l("This item belongs to another agency."))
    return ALLOW


@sql_rule("applicant_owns")
def applicant_owns_sql(actor: User, model) -> sa.ColumnElement[bool] | bool:
    return actor.has_role(Role.APPLICANT) and owner_clause(model, actor.organisation_id)


@rule("endorser_of_current_level")
def endorser_of_current_level(actor: User, entity: object) -> Decision:
    if not actor.has_role(Role.ENDORSER):
        return deny(_l("Only an IT office's endorser may endorse applications."))
    current = entity.current_endorsement if isinstance(entity, Application) else None
    if current is None or current.office_id != actor.organisation_id:
        return deny(_l("This application is not awaiting your office's endorsement."))
    return ALLOW


@sql_rule("endorser_of_current_level")
def endorser_of_current_level_sql(actor: User, model) -> sa.ColumnElement[bool] | bool:
    if not actor.has_role(Role.ENDORSER) or model is not Application:
        return False
    from_here = sa.select(Endorsement.id).where(Endorsement.application_id == Application.id,
                                                Endorsement.position == Application.endorsement_level,
                                                Endorsement.office_id == actor.organisation_id)
    return from_here.exists()


@rule("endorser")
def endorser(actor: User, entity: object = None) -> Decision:
    """The endorsement desk (汇总上报): an IT office's endorsers, whatever the application."""
    return _has(actor, Role.ENDORSER, _l("Only an IT office's endorser may endorse applications."))


@rule("office_reviewer")
def office_reviewer(actor: User, entity: object = None) -> Decision:
    return _has(actor, Role.OFFICE_REVIEWER, _l("Only the Information Office's reviewers may do this."))


@rule("leader")
def leader(actor: User, entity: object = None) -> Decision:
    return _has(actor, Role.LEADER, _l("Only the Information Office's leaders may do this."))


@rule("admin")
def admin(actor: User, entity: object = None) -> Decision:
    return _has(actor, Role.ADMIN, _l("Only an administrator may do this."))


@rule("delegation_manager")
def delegation_manager(actor: User, entity: object = None) -> Decision:
    """代理: a delegation is revoked by the leader who gave it or by an administrator."""
    if actor.has_role(Role.ADMIN) or (actor.has_role(Role.LEADER) and getattr(entity, "leader_id", None) == actor.id):
        return ALLOW
    return deny(_l("Only the leader who designated the proxy, or an administrator, may revoke a delegation."))


@rule("delegations_reader")
def delegations_reader(actor: User, entity: object = None) -> Decision:
    """The delegation page: leaders (theirs), Office reviewers (those they hold) and admins."""
    if any(actor.has_role(r) for r in (Role.LEADER, Role.OFFICE_REVIEWER, Role.ADMIN)):
        return ALLOW
    return deny(_l("Only the Information Office's leaders, reviewers and administrators have delegations."))


@rule("calendar_editor")
def calendar_editor(actor: User, entity: object = None) -> Decision:
    """The working-day calendar decides every deadline: only administrators change it."""
    return _has(actor, Role.ADMIN, _l("Only an administrator may change the working-day calendar."))


@rule("time_limit_editor")
def time_limit_editor(actor: User, entity: object = None) -> Decision:
    """Stages' time limits are the Office's rules: administrators set them."""
    return _has(actor, Role.ADMIN, _l("Only an administrator may change the stages' time limits."))


@rule("supervision_board")
def supervision_board(actor: User, entity: object = None) -> Decision:
    """电子监察: the Office's leaders and reviewers watch how every office keeps its time limits."""
    if actor.has_role(Role.LEADER) or actor.has_role(Role.OFFICE_REVIEWER):
        return ALLOW
    return deny(_l("Only the Information Office's leaders and reviewers may see the supervision board."))


@rule("calendar_reader")
def calendar_reader(actor: User, entity: object = None) -> Decision:
    """Anyone signed in with an active account may read the calendar (check() denies the rest)."""
    return ALLOW


@rule("programme_overview")
def programme_overview(actor: User, entity: object = None) -> Decision:
    """The dashboard of the whole programme: the Office's reviewers and leaders (and admins)."""
    if any(actor.has_role(r) for r in (Role.OFFICE_REVIEWER, Role.LEADER, Role.ADMIN)):
        return ALLOW
    return deny(_l("Only the Information Office's reviewers and leaders may see the programme dashboard."))


@rule("applicant")
def applicant(actor: User, entity: object = None) -> Decision:
    return _has(actor, Role.APPLICANT, _l("Only an applicant agency's staff may do this."))


@sql_rule("joint_reviewer_pending")
def joint_reviewer_pending_sql(actor: User, model) -> sa.ColumnElement[bool] | bool:
    if (not actor.has_role(Role.JOINT_REVIEWER) or model is not Application
            or actor.organisation.code not in current_app.config["JOINT_REVIEW_ORGS"]):
        return False
    return ~sa.select(JointOpinion.id).where(JointOpinion.application_id == Application.id,
                                             JointOpinion.round == Application.re_review_round,
                                             JointOpinion.organisation_id == actor.organisation_id).exists()


@rule("joint_reviewer_pending")
def joint_reviewer_pending(actor: User, entity: object) -> Decision:
    if not actor.has_role(Role.JOINT_REVIEWER):
        return deny(_l("Only the joint re-review representatives may give re-review opinions."))
    if actor.organisation.code not in current_app.config["JOINT_REVIEW_ORGS"]:
        return deny(_l("Your organisation is not on the joint re-review panel."))
    if not isinstance(entity, Application):
        return deny(_l("Re-review opinions are given on applications."))
    if actor.organisation_id in prefetch.fact("joint_opinion_orgs", entity, joint_opinion_orgs):
        return deny(_l("Your organisation has already given its opinion in this round."))
    return ALLOW


def joint_opinion_orgs(applications: list[Application]) -> dict[int, frozenset[int]]:
    """Per application: the organisations that gave their opinion in its current re-review
    round — one query for the whole list (``prefetch.fact``)."""
    rounds = {a.id: a.re_review_round for a in applications}
    given: dict[int, set[int]] = {i: set() for i in rounds}
    rows = object_session(applications[0]).execute(
        sa.select(JointOpinion.application_id, JointOpinion.round, JointOpinion.organisation_id)
        .where(JointOpinion.application_id.in_(rounds)))
    for application_id, round_, organisation_id in rows:
        if round_ == rounds[application_id]:
            given[application_id].add(organisation_id)
    return {i: frozenset(orgs) for i, orgs in given.items()}


def panel_membership(actor: User, acceptance: Acceptance) -> PanelMember | None:
    return next((m for m in acceptance.members if m.expert.user_id == actor.id), None)


def panel_seat(actor: User, acceptance: Acceptance) -> PanelMember | None:
    """The actor's seat on the panel, a recused one included (``panel_membership``: seated only)."""
    return next((m for m in acceptance.panel if m.expert.user_id == actor.id), None)


def undeclared_seat(actor: User, acceptance: Acceptance) -> PanelMember | None:
    """The actor's seat when it has not declared no conflict (yet to declare, or recused) and the
    actor is not of the Office: such an expert sees only what judging a conflict needs, not the
    completion summary, the scores or the materials."""
    seat = panel_seat(actor, acceptance)
    if seat is None or seat.declaration == "no_conflict" or check("office_reviewer", actor) or check("leader", actor):
        return None
    return seat


@rule("panel_member_yet_to_declare")
def panel_member_yet_to_declare(actor: User, entity: object) -> Decision:
    """回避声明: a drawn expert declares (no conflict, or recusal) once, before scoring."""
    seat = panel_seat(actor, entity) if isinstance(entity, Acceptance) else None
    if seat is None:
        return deny(_l("Only the experts on this panel may do this."))
    if seat.scored_at is not None:
        return deny(_l("You have already scored: a declaration after scoring is refused."))
    if seat.declaration is not None:
        return deny(_l("You have already made your declaration."))
    return ALLOW


@rule("panel_member_yet_to_score")
def panel_member_yet_to_score(actor: User, entity: object) -> Decision:
    member = panel_membership(actor, entity) if isinstance(entity, Acceptance) else None
    if member is None:
        return deny(_l("Only the experts on this panel may do this."))
    if member.scored_at is not None:
        return deny(_l("You have already submitted your scores."))
    if member.declaration is None:
        return deny(_l("Declare first that you have no conflict of interest (回避声明), or recuse."))
    return ALLOW


@rule("panel_member_yet_to_sign")
def panel_member_yet_to_sign(actor: User, entity: object) -> Decision:
    member = panel_membership(actor, entity) if isinstance(entity, Acceptance) else None
    if member is None:
        return deny(_l("Only the experts on this panel may do this."))
    if member.signed_at is not None:
        return deny(_l("You have already signed this report."))
    return ALLOW


@rule("panel_chair")
def panel_chair(actor: User, entity: object) -> Decision:
    member = panel_membership(actor, entity) if isinstance(entity, Acceptance) else None
    if member is None or not member.is_chair:
        return deny(_l("Only the panel's chair may conclude the acceptance."))
    return ALLOW


# --- supervision: 催办 ---------------------------------------------------------------------
@dataclass(frozen=True)
class Handling:
    """An item and who can act on it now (``app.services.notify.audience``): the subject of
    the supervision rules, which judge the actor against the handlers, not the item alone."""

    entity: object
    handler_ids: frozenset[int]
    handler_orgs: tuple[Organisation, ...]


def _division_ancestors(org: Organisation) -> list[str]:
    codes, division = [], org.division.parent
    while division is not None:
        codes.append(division.code)
        division = division.parent
    return codes


def supervises(office: Organisation, org: Organisation) -> bool:
    """An IT office supervises the organisations below its division, and the departments (not
    the IT office itself) of its own division."""
    if office.kind != OrgKind.IT_OFFICE:
        return False
    if office.division_code in _division_ancestors(org):
        return True
    return office.division_code == org.division_code and org.kind != OrgKind.IT_OFFICE


@rule("supervisor_of_handlers")
def supervisor_of_handlers(actor: User, subject: object) -> Decision:
    """催办: an Office leader, or an IT office above the level now handling the item; never
    one of the handlers themselves, and only while somebody is expected to act."""
    if not isinstance(subject, Handling):
        return deny(_l("Only items that wait on somebody can be urged."))
    if not subject.handler_ids:
        return deny(_l("Nobody is expected to act on this item now: there is nobody to urge."))
    if actor.id in subject.handler_ids:
        return deny(_l("This item waits on you: act on it rather than urge it."))
    if actor.has_role(Role.LEADER):
        return ALLOW
    if not actor.has_role(Role.ENDORSER):
        return deny(_l("Only the Information Office's leaders and higher-level IT offices may urge (催办)."))
    if not any(supervises(actor.organisation, org) for org in subject.handler_orgs):
        return deny(_l("Your office does not supervise those now handling this item."))
    return ALLOW


# --- rules named by pages: who a page is for (its view and its navigation link ask the same) --
_SEE_ALL = (Role.ADMIN, Role.OFFICE_REVIEWER, Role.LEADER)  # the programme-wide roles


def _any_role(actor: User, roles: tuple[Role, ...], reason) -> Decision:
    return ALLOW if any(actor.has_role(r) for r in roles) else deny(reason)


@rule("signed_in")
def signed_in(actor: User, entity: object = None) -> Decision:
    """Pages of one's own items or scoped by ``visible_to`` (the inbox, notifications, the
    application list, the published demonstration projects): every active user —
    ``check`` has already refused anonymous and inactive ones."""
    return ALLOW


@rule("project_list")
def project_list(actor: User, entity: object = None) -> Decision:
    """The list of projects: the agencies, the IT offices, the joint reviewers and the Office;
    an expert reaches the projects they assess through their panels."""
    return _any_role(actor, (*_SEE_ALL, Role.APPLICANT, Role.ENDORSER, Role.JOINT_REVIEWER),
                     _l("Experts reach the projects they assess through their panels."))


@rule("acceptance_list")
def acceptance_list(actor: User, entity: object = None) -> Decision:
    """The list of acceptances: those who take a part in them (the agencies, the experts) and
    the programme-wide roles."""
    return _any_role(actor, (*_SEE_ALL, Role.APPLICANT, Role.EXPERT),
                     _l("Only the applicant agencies, the experts and the Information Office follow acceptances."))


@rule("own_panels")
def own_panels(actor: User, entity: object = None) -> Decision:
    """The acceptances page lists only the actor's own panels: an expert who is not also one
    of the Office's reviewers (they follow every acceptance)."""
    if actor.has_role(Role.EXPERT) and not actor.has_role(Role.OFFICE_REVIEWER):
        return ALLOW
    return deny(_l("Only the experts have a list of their own panels."))


@rule("evaluation_list")
def evaluation_list(actor: User, entity: object = None) -> Decision:
    """The list of performance evaluations: the agencies (who evaluate themselves) and the
    programme-wide roles."""
    return _any_role(actor, (*_SEE_ALL, Role.APPLICANT),
                     _l("Only the applicant agencies and the Information Office follow performance evaluations."))


@rule("change_request_list")
def change_request_list(actor: User, entity: object = None) -> Decision:
    """The list of change requests (变更/延期申请): the agencies (their own), the IT offices (their
    area) and the programme-wide roles."""
    return _any_role(actor, (*_SEE_ALL, Role.APPLICANT, Role.ENDORSER),
                     _l("Only the applicant agencies, the IT offices and the Information Office follow change requests."))


@rule("funding_list")
def funding_list(actor: User, entity: object = None) -> Decision:
    """The list of follow-on funding requests: the agencies (their own) and the programme-wide roles."""
    return _any_role(actor, (*_SEE_ALL, Role.APPLICANT),
                     _l("Only the applicant agencies and the Information Office follow funding requests."))


@rule("dossier_reader")
def dossier_reader(actor: User, project: object) -> Decision:
    """The whole project as one archive (一项目一档: every document, attachment, opinion and
    audit record): the Information Office that keeps the record (its reviewers and leaders)
    and the applicant agency for its own project. Nobody else — not the IT offices, the joint
    reviewers or the experts, who each see only their part, nor the administrators, who run the
    system rather than the programme."""
    if actor.has_role(Role.OFFICE_REVIEWER) or actor.has_role(Role.LEADER):
        return ALLOW
    if actor.has_role(Role.APPLICANT) and owner_organisation_id(project) == actor.organisation_id:
        return ALLOW
    return deny(_l("Only the Information Office's reviewers and leaders, and the applicant agency for its own "
                   "project, may export a project's dossier."))


# --- scoping: what an actor may see ----------------------------------------------------------


def _area_clause(model, actor: User):
    """An endorser's area: their own division and, for a prefecture office, its counties. Every
    item carries its division's code and its prefecture's (a prefecture-level item's prefecture
    is its own division), so the area is one equality — on the prefecture code for a prefecture
    office, on the division code otherwise — which an index on (that code, id) serves in the
    lists' order without sorting the area (docs/performance.md)."""
    division = actor.organisation.division
    if division.level == DivisionLevel.PREFECTURE:
        return model.prefecture_code == division.code
    return model.division_code == division.code


def _panel_project_ids(actor: User):
    return sa.select(Acceptance.project_id).where(Acceptance.id.in_(_seat_acceptance_ids(actor)))


def _seat_acceptance_ids(actor: User):
    """The acceptance rounds whose panel drew the actor (a recused seat included)."""
    return (sa.select(PanelMember.acceptance_id).join(Expert, Expert.id == PanelMember.expert_id)
            .where(Expert.user_id == actor.id))


for _name, _role in (("endorser", Role.ENDORSER), ("office_reviewer", Role.OFFICE_REVIEWER),
                     ("leader", Role.LEADER), ("admin", Role.ADMIN), ("applicant", Role.APPLICANT)):
    SQL_RULES[_name] = lambda actor, model, role=_role: actor.has_role(role)  # the role alone decides


def scope_key(actor: User | None) -> tuple | None:
    """Everything the SQL rules (``SQL_RULES``) and ``visible_to`` read of an actor, so that a
    clause they built may be kept and used again for any actor with the same key (the inbox's
    plans). A rule that comes to read more of the actor adds it here; a test checks it."""
    if actor is None:
        return None
    organisation = actor.organisation
    division = organisation.division if organisation is not None else None
    return (actor.id, actor.active, actor.roles, actor.organisation_id,
            organisation.code if organisation is not None else None,
            (division.code, division.level) if division is not None else None)


def visible_to(actor: User, model) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting the rows of ``model`` the actor may see (false for nobody)."""
    if actor is None or not actor.active:
        return sa.false()
    if any(actor.has_role(r) for r in _SEE_ALL):
        return sa.true()
    if model is ChangeRequest:  # the agency's own and the IT offices' area; not the joint reviewers or experts
        mine = [Project.organisation_id == actor.organisation_id] if actor.has_role(Role.APPLICANT) else []
        area = [_area_clause(Project, actor)] if actor.has_role(Role.ENDORSER) else []
        return (model.project_id.in_(sa.select(Project.id).where(sa.or_(*mine, *area))) if mine or area
                else sa.false())
    if model in (MidtermCheck, Acceptance, Evaluation):
        of_visible_projects = model.project_id.in_(sa.select(Project.id).where(visible_to(actor, Project)))
        if model is Acceptance and actor.has_role(Role.EXPERT):
            # An expert sees the rounds whose panel drew them, and their own agency's: never another
            # round of the same project (each round's panel judges on its own), nor its scores.
            return sa.and_(of_visible_projects, sa.or_(model.id.in_(_seat_acceptance_ids(actor)),
                                                       owner_clause(model, actor.organisation_id)))
        return of_visible_projects
    if model is FundingRequest:  # the agency's own; nobody else outside the Office
        return (FundingRequest.organisation_id == actor.organisation_id if actor.has_role(Role.APPLICANT)
                else sa.false())
    if model is EndorsementSummary:  # 汇总上报: the issuing office's own endorsers and the province
        return EndorsementSummary.office_id == actor.organisation_id if actor.has_role(Role.ENDORSER) else sa.false()
    if model not in (Application, Project):
        return sa.false()  # the demonstration lists and objections: the Office and leaders only
    clauses = []
    if actor.has_role(Role.APPLICANT):
        clauses.append(model.organisation_id == actor.organisation_id)
    if actor.has_role(Role.ENDORSER):
        area = _area_clause(model, actor)
        clauses.append(sa.and_(area, Application.submitted_at.is_not(None)) if model is Application else area)
    if actor.has_role(Role.JOINT_REVIEWER):
        clauses.append(Application.re_review_round > 0 if model is Application else sa.true())
    if actor.has_role(Role.EXPERT):
        ids = _panel_project_ids(actor)
        clauses.append(Project.id.in_(ids) if model is Project else
                       Application.id.in_(sa.select(Project.application_id).where(Project.id.in_(ids))))
    return sa.or_(*clauses) if clauses else sa.false()
