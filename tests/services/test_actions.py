"""The action registry: one record per step — every step has a verb, a schema, a role and a
label; the registry names no step that does not exist; perform() runs the registered verb."""
import pytest

from app.database import transaction
from app.errors import Invalid
from app.kinds import KINDS
from app.models import Role
from app.services import commands
from app.services.engine.actions import unknown_registrations
from app.services.engine.guards import MESSAGES
from tests import factories as f

# Steps that record nothing but an opinion: the one generic verb takes them (a spec: a step
# that gains data or side effects must get its own verb, and then leaves this list).
GENERIC = {
    ("application", "withdraw"), ("application", "return_to_applicant"),
    ("application", "pass_initial_review"), ("application", "return_for_revision"), ("application", "refuse"),
    ("application", "leader_return"), ("application", "leader_reject"), ("application", "re_review_approve"),
    ("application", "re_review_return"), ("application", "re_review_reject"),
    ("project", "complete_acceptance"), ("project", "terminate"), ("project", "close"),
    ("project", "confirm_demonstration"),  # taken by the list's confirm_list verb, for each of its projects
    ("evaluation", "return_self_evaluation"), ("evaluation", "rescore"),
    ("change_request", "review"), ("change_request", "return_for_revision"), ("change_request", "reject"),
    ("change_request", "withdraw"),
    ("funding_request", "pass_funding_review"), ("funding_request", "return_funding_request"),
}


def test_every_step_has_a_verb_a_schema_a_role_and_a_label():
    roles = {r.value for r in Role}
    for a in commands.all_actions():
        assert callable(a.run) and a.schema is not None, a
        assert a.role in roles, (a.kind, a.trigger, a.role)
        assert a.zh and a.en and a.zh != a.en, (a.kind, a.trigger)
        for name, spec in a.widgets:
            assert spec["label"] != name, f"{a.kind}.{a.trigger}: field {name} has no widget label"


def test_the_registry_names_no_step_that_does_not_exist():
    assert unknown_registrations() == []


def test_exactly_the_opinion_only_steps_use_the_generic_verb():
    assert {(a.kind, a.trigger) for a in commands.all_actions() if a.generic} == GENERIC


def test_every_guard_a_step_names_has_words_for_the_user():
    named = {g for k in KINDS.values() for g in k.flow.guard_names}
    assert named <= set(MESSAGES), named - set(MESSAGES)


def test_an_unknown_action_is_invalid_not_an_error(app):
    with pytest.raises(Invalid):
        commands.perform(f.user("office"), "application", 1, "approve_everything")
    with pytest.raises(Invalid):
        commands.perform(f.user("office"), "spaceship", 1, "submit")
    with pytest.raises(Invalid):
        commands.actions_for(f.user("office"), "spaceship", 1)


def test_perform_runs_the_same_verb_the_services_offer(app):
    app_id = f.endorsed()
    entity, steps = commands.actions_for(f.user("office"), "application", app_id)
    assert {s.trigger for s in steps} == {"pass_initial_review", "return_for_revision", "refuse"}
    with transaction():
        moved = commands.perform(f.user("office"), "application", app_id, "pass_initial_review",
                                 {"opinion": "初审通过"}, entity.version)
    assert moved.state.value == "leader_approval"


def test_a_verb_validates_its_input_before_anything_is_loaded(app):
    with pytest.raises(Invalid) as refused:
        commands.perform(f.user("leader"), "application", 999999, "approve_project", {"approved_budget": "-1"})
    assert set(refused.value.errors) >= {"approved_budget", "construction_months"}
