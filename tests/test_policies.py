"""The policy table as a matrix: every flow step × every role × own/other organisation.

The matrix is generated from the flows and app.policies.RULES; a hand-written table of
critical cells pins down the answers that matter most.
"""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.kinds import KINDS
from app.models import (
    Acceptance,
    Application,
    ChangeRequest,
    DemonstrationObjection,
    DemonstrationPublication,
    Division,
    EndorsementSummary,
    Evaluation,
    FundingRequest,
    MidtermCheck,
    Organisation,
    Project,
    Role,
    User,
    UserRole,
)
from app.policies import RULES, SQL_RULES, check, scope_key, visible_to
from app.services.engine import waiting
from app.web.navigation import NAV
from tests import factories as f

ROLES = [r.value for r in Role]
# Which roles can ever pass each rule (the rest must always be denied).
MAY_PASS = {
    "applicant_owns": {"applicant"}, "endorser_of_current_level": {"endorser"},
    "office_reviewer": {"office_reviewer"}, "leader": {"leader"},
    "joint_reviewer_pending": {"joint_reviewer"}, "panel_member_yet_to_score": {"expert"},
    "panel_member_yet_to_sign": {"expert"}, "panel_chair": {"expert"},
    "panel_member_yet_to_declare": {"expert"},
}
OWNERSHIP_BOUND = {"applicant_owns", "endorser_of_current_level", "joint_reviewer_pending",
                   "panel_member_yet_to_score", "panel_member_yet_to_sign", "panel_chair",
                   "panel_member_yet_to_declare"}

# (kind, trigger, role, acting for the owning side?) -> allowed
CRITICAL = {
    ("application", "submit", "applicant", True): True,
    ("application", "submit", "applicant", False): False,
    ("application", "withdraw", "office_reviewer", True): False,
    ("application", "endorse", "endorser", True): True,
    ("application", "endorse", "endorser", False): False,
    ("application", "pass_initial_review", "office_reviewer", True): True,
    ("application", "pass_initial_review", "leader", True): False,
    ("application", "pass_initial_review", "applicant", True): False,
    ("application", "override_plan_gate", "leader", True): True,
    ("application", "override_plan_gate", "office_reviewer", True): False,
    ("application", "leader_approve", "leader", True): True,
    ("application", "record_joint_opinion", "joint_reviewer", True): True,
    ("application", "record_joint_opinion", "joint_reviewer", False): False,
    ("application", "approve_project", "leader", True): True,
    ("application", "approve_project", "office_reviewer", True): False,
    ("application", "approve_project", "admin", True): False,
    ("midterm_check", "submit_progress_report", "applicant", True): True,
    ("midterm_check", "submit_progress_report", "applicant", False): False,
    ("midterm_check", "order_rectification", "office_reviewer", True): True,
    ("midterm_check", "terminate_project", "leader", True): True,
    ("midterm_check", "terminate_project", "office_reviewer", True): False,
    ("project", "request_acceptance", "applicant", False): False,
    ("project", "select_demonstration", "leader", True): True,
    ("acceptance", "form_panel", "office_reviewer", True): True,
    ("acceptance", "form_panel", "expert", True): False,
    ("acceptance", "declare", "expert", True): False,  # the chair has declared already
    ("acceptance", "declare", "expert", False): False,
    ("acceptance", "recuse", "expert", False): False,
    ("acceptance", "declare", "office_reviewer", True): False,
    ("acceptance", "submit_scores", "expert", True): True,
    ("acceptance", "submit_scores", "expert", False): False,
    ("acceptance", "conclude", "expert", True): True,
    ("acceptance", "conclude", "expert", False): False,
    ("acceptance", "seal_report", "expert", True): False,
    ("evaluation", "confirm_grade", "leader", True): True,
    ("evaluation", "confirm_grade", "office_reviewer", True): False,
    ("evaluation", "submit_self_evaluation", "applicant", False): False,
    ("change_request", "resubmit", "applicant", True): True,
    ("change_request", "resubmit", "applicant", False): False,
    ("change_request", "review", "office_reviewer", True): True,
    ("change_request", "review", "applicant", True): False,
    ("change_request", "approve", "leader", True): True,
    ("change_request", "approve", "office_reviewer", True): False,
    ("funding_request", "resubmit_funding_request", "applicant", True): True,
    ("funding_request", "resubmit_funding_request", "applicant", False): False,
    ("funding_request", "pass_funding_review", "office_reviewer", True): True,
    ("funding_request", "pass_funding_review", "applicant", True): False,
    ("funding_request", "override_grade_block", "leader", True): True,
    ("funding_request", "override_grade_block", "office_reviewer", True): False,
    ("funding_request", "approve_funding", "leader", True): True,
    ("funding_request", "approve_funding", "admin", True): False,
}


def org(code):
    return db.session.scalar(sa.select(Organisation).where(Organisation.code == code))


def actor(role: str, own: bool, chair: User, outsider_expert: User) -> User:
    if role == "expert":
        return chair if own else outsider_expert
    code = {"applicant": ("D530102MZ", "D530100CZ"), "endorser": ("IT530102", "IT530300"),
            "joint_reviewer": ("FGW", "D530100CZ")}.get(role, ("XXB", "XXB"))[0 if own else 1]
    home = org(code)
    return User(id=-1, username=f"{role}-{own}", display_name=role, password_hash="-", active=True,
                organisation=home, organisation_id=home.id, role_rows=[UserRole(role=Role(role))])


@pytest.fixture
def matrix(app):
    application = db.session.get(Application, f.submitted())
    f.in_re_review("wuhua_applicant")  # the joint reviewers' rule needs a live session only
    project_id, acc_id = f.in_acceptance()
    members = f.panel(acc_id)
    chair = next(u for u, c in members if c)
    outsider = next(f.user(f"expert{i}") for i in range(1, 10)
                    if f"expert{i}" not in {u.username for u, _ in members})
    entities = {
        "application": application,
        "project": db.session.get(Project, project_id),
        "midterm_check": db.session.scalar(sa.select(MidtermCheck).where(MidtermCheck.project_id == project_id)),
        "acceptance": db.session.get(Acceptance, acc_id),
        "evaluation": Evaluation(project_id=project_id, organisation_id=org("D530102MZ").id, period="2030"),
        "change_request": ChangeRequest(project_id=project_id, project=db.session.get(Project, project_id)),
        "funding_request": FundingRequest(project_id=project_id, organisation_id=org("D530102MZ").id,
                                          amount=10, purpose="推广"),
        "demonstration_list": DemonstrationPublication(project_ids=[project_id]),
        "demonstration_objection": DemonstrationObjection(contact="0871-1", text="异议"),
    }
    cells = {}
    for kind in KINDS.values():
        entity = entities[kind.name]
        for step in kind.flow.steps:
            for role in ROLES:
                for own in (True, False):
                    cells[(kind.name, step.trigger, role, own)] = (
                        step.policy, check(step.policy, actor(role, own, chair, outsider), entity))
    return cells


def test_every_step_in_the_matrix_names_a_known_policy(matrix):
    assert {policy for policy, _ in matrix.values()} <= set(RULES)


def test_every_denial_carries_a_reason_for_the_user(matrix):
    for cell, (_, decision) in matrix.items():
        assert decision.allowed or len(decision.reason.strip()) >= 4, cell


def test_no_role_passes_a_rule_meant_for_another(matrix):
    for (kind, trigger, role, own), (policy, decision) in matrix.items():
        if decision.allowed:
            assert role in MAY_PASS[policy], (kind, trigger, role, own)


def test_acting_for_another_organisation_is_always_denied_where_ownership_matters(matrix):
    for (kind, trigger, role, own), (policy, decision) in matrix.items():
        if policy in OWNERSHIP_BOUND and not own:
            assert not decision.allowed, (kind, trigger, role)


def test_administrators_take_no_workflow_decisions(matrix):
    assert not [cell for cell, (_, d) in matrix.items() if cell[2] == "admin" and d.allowed]


def test_critical_cells(matrix):
    """Every critical cell at once (one matrix; building it is a project through acceptance):
    the cells that differ are listed with what the rule answered."""
    wrong = {cell: ("allowed" if expected is False else "denied: " + matrix[cell][1].reason)
             for cell, expected in sorted(CRITICAL.items())
             if matrix[cell][1].allowed is not expected}
    assert not wrong, wrong


class _Recording:
    """An actor (or its organisation, or that one's division) that notes every attribute read."""

    def __init__(self, target, path: str, seen: set):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_seen", seen)

    def __getattr__(self, name):
        path = f"{self._path}{name}"
        self._seen.add(path)
        value = getattr(self._target, name)
        if isinstance(value, (Organisation, Division)):
            return _Recording(value, f"{path}.", self._seen)
        return value


# What ``policies.scope_key`` holds of an actor (``has_role`` reads ``roles``).
SCOPE = {"id", "active", "roles", "has_role", "organisation_id", "organisation", "organisation.code",
         "organisation.division", "organisation.division.code", "organisation.division.level"}


def test_the_sql_rules_and_visibility_read_of_an_actor_only_what_its_scope_key_holds(app):
    """The inbox keeps the clauses built from the SQL rules and ``visible_to`` by the actor's
    ``scope_key``, and ``load_visible`` its statements: a rule that read more of the actor would
    hand one actor's clause to another."""
    seen: set[str] = set()
    names = ("admin", "office", "leader", "fgw", "kunming_office", "wuhua_office", "wuhua_applicant", "expert1")
    for name in names:
        actor = _Recording(f.user(name), "", seen)
        for kind, k in KINDS.items():
            visible_to(actor, k.model)
            for rule in SQL_RULES.values():
                rule(actor, k.model)
            for state in k.flow.states:
                waiting.clause(kind, state, actor)
        visible_to(actor, EndorsementSummary)
    assert seen and seen <= SCOPE, seen - SCOPE
    keys = {scope_key(f.user(name)) for name in names}
    assert len(keys) == len(names)  # every one of them its own scope


def test_the_navigation_bars_rules_read_of_an_actor_only_what_its_scope_key_holds(app):
    """Pages keep the navigation bar by the actor's ``scope_key`` and language: a link whose rule
    read more of the actor would show one actor's bar to another."""
    seen: set[str] = set()
    rules = {link.rule for link in NAV} | {link.relabel[0] for link in NAV if link.relabel}
    allowed = set()
    for name in ("admin", "office", "leader", "fgw", "kunming_office", "wuhua_office", "wuhua_applicant", "expert1"):
        actor = _Recording(f.user(name), "", seen)
        allowed |= {(name, rule) for rule in rules if check(rule, actor).allowed}
    assert seen and seen <= SCOPE, seen - SCOPE
    assert {rule for _name, rule in allowed} == rules  # every rule let somebody through
