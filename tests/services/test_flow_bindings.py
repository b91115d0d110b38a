"""The framework-free flows and the app agree: every policy a step names is a rule, every guard
a flow names is built for its kind with words for users, every flow moves one model."""
import pytest

from app.kinds import MODEL_OF, kind_of
from app.policies import RULES
from app.services.engine.guards import GUARDS, message
from workflows import FLOWS

FLOW_LIST = list(FLOWS.values())


def built_guards(flow) -> set[str]:
    """The guard names the engine builds for an item of the flow's model (not evaluated)."""
    item = MODEL_OF[flow.name]()
    return set(GUARDS[kind_of(item).name](item, None))


def test_every_flow_moves_exactly_one_model_and_every_model_one_flow():
    assert set(MODEL_OF) == set(FLOWS)
    for name, model in MODEL_OF.items():
        assert kind_of(model()).flow is FLOWS[name]


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_every_step_names_a_policy_that_exists(flow):
    assert flow.policy_names <= set(RULES), flow.policy_names - set(RULES)


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_every_guard_a_flow_names_is_built_for_its_items(flow):
    assert flow.guard_names <= built_guards(flow), flow.guard_names - built_guards(flow)


@pytest.mark.parametrize("flow", FLOW_LIST, ids=lambda f: f.name)
def test_every_guard_a_flow_names_tells_users_in_words_why_it_failed(flow, app):
    for guard in flow.guard_names:
        assert message(guard) and message(guard) != guard, guard
