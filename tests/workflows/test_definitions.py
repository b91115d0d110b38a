"""The flow definitions are sound: reachable, no dead ends, labelled, no bypasses. (That the
policies and guards they name exist in the app is tests/services/test_flow_bindings.py.)"""
from collections import deque

import pytest

from workflows import FLOWS, NoStep, Step
from workflows.application import APPLICATION
from workflows.application import ApplicationState as A
from workflows.diagrams import mermaid
from workflows.engine import ROLES, TONES

FLOW_LIST = list(FLOWS.values())


def reachable(flow):
    seen, queue = {flow.initial}, deque([flow.initial])
    while queue:
        for step in flow.steps_from(queue.popleft()):
            if step.dest not in seen:
                seen.add(step.dest)
                queue.append(step.dest)
    return seen


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_every_state_is_reachable_from_the_initial_state(flow):
    assert reachable(flow) == set(flow.states)


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_every_non_terminal_state_has_an_exit_to_another_state(flow):
    for state in flow.states:
        exits = [s for s in flow.steps_from(state) if s.dest != state]
        assert exits or state in flow.terminal_states, f"{flow.name}.{state.value} is a dead end"


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_states_and_steps_carry_chinese_and_english_labels(flow):
    for state in flow.states:
        assert state.zh and state.en and state.zh != state.en
    for step in flow.steps:
        assert step.zh and step.en


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_no_automatic_to_state_bypasses_exist(flow):
    assert not [e for e in flow._machine.events if e.startswith("to_")]


def test_a_trigger_takes_the_first_step_whose_guards_hold():
    yes, no = (lambda: True), (lambda: False)
    guards = {"needs_endorsement": yes, "no_endorsement_needed": no, "batch_open": yes,
              "plan_item_or_justification": yes}
    assert APPLICATION.fire(A.DRAFT, "submit", guards) == A.ENDORSING
    guards.update(needs_endorsement=no, no_endorsement_needed=yes)
    assert APPLICATION.fire(A.DRAFT, "submit", guards) == A.INITIAL_REVIEW


def test_a_failing_guard_names_itself_and_not_the_routing_guards():
    yes, no = (lambda: True), (lambda: False)
    guards = {"needs_endorsement": yes, "no_endorsement_needed": no, "batch_open": no,
              "plan_item_or_justification": yes}
    with pytest.raises(NoStep) as err:
        APPLICATION.fire(A.DRAFT, "submit", guards)
    assert err.value.failed_guards == ("batch_open",)


def test_a_trigger_from_the_wrong_state_is_refused():
    with pytest.raises(NoStep):
        APPLICATION.fire(A.APPROVED, "withdraw", {})


def test_returned_applications_resume_at_the_stage_that_returned_them():
    pairs = {s.sources[0]: s.dest for s in APPLICATION.steps if s.trigger == "resubmit"}
    assert pairs == {A.RETURNED_BY_ENDORSER: A.ENDORSING, A.RETURNED_BY_REVIEWER: A.INITIAL_REVIEW,
                     A.RETURNED_BY_RE_REVIEW: A.RE_REVIEW}


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_the_mermaid_diagram_shows_every_state_and_highlights_the_current_one(flow):
    text = mermaid(flow, "zh", current=flow.initial.value)
    assert text.startswith("stateDiagram-v2")
    for state in flow.states:
        assert f'state "{state.zh}" as {state.value}' in text
    assert f"class {flow.initial.value} current" in text


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_every_step_record_says_its_role_whether_anyone_waits_and_its_time_limit(flow):
    for step in flow.steps:
        assert step.role in ROLES, (step.trigger, step.role)
        if step.optional:
            assert step.days is None, step.trigger
        else:
            assert step.days is None or step.days > 0, step.trigger
    for state in flow.states:
        assert state.tone in TONES, (flow.name, state.value)


def test_a_step_with_an_unknown_role_or_a_limit_below_one_day_is_refused():
    with pytest.raises(ValueError):
        Step("t", (APPLICATION.initial,), APPLICATION.initial, "p", "中", "en", role="janitor")
    with pytest.raises(ValueError):
        Step("t", (APPLICATION.initial,), APPLICATION.initial, "p", "中", "en", role="leader", days=0)
    with pytest.raises(ValueError):
        Step("t", (APPLICATION.initial,), APPLICATION.initial, "p", "中", "en", role="leader", optional=True, days=3)


def test_a_stage_waits_as_long_as_its_shortest_waiting_step_allows():
    S = APPLICATION.states
    assert APPLICATION.time_limit(S("endorsing")) == 10
    assert APPLICATION.time_limit(S("draft")) is None  # a draft waits on nobody's clock
    assert APPLICATION.time_limit(S("approved")) is None
    assert [s.trigger for s in APPLICATION.waiting_steps(S("project_approval"))] == ["approve_project"]
