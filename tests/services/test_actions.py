"""services.actions: every workflow trigger can be performed through one verb."""
import pytest

from app.errors import Invalid
from app.services.engine import actions
from tests import factories as f


def test_every_trigger_of_every_flow_has_a_verb():
    assert actions.missing_verbs() == {}


def test_an_unknown_action_is_invalid_not_an_error(app):
    with pytest.raises(Invalid):
        actions.perform(f.user("office"), "application", 1, "approve_everything")
    with pytest.raises(Invalid):
        actions.actions_for(f.user("office"), "spaceship", 1)


def test_perform_runs_the_same_verb_the_services_offer(app):
    app_id = f.endorsed()
    entity, steps = actions.actions_for(f.user("office"), "application", app_id)
    assert {s.trigger for s in steps} == {"pass_initial_review", "return_for_revision", "refuse"}
    from app.database import transaction

    with transaction():
        moved = actions.perform(f.user("office"), "application", app_id, "pass_initial_review",
                                {"opinion": "初审通过"}, entity.version)
    assert moved.state.value == "leader_approval"
