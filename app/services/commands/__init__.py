"""The commands: one module per area, each verb a use case that takes an explicit actor.

Importing this package registers every workflow verb with the action registry, so the
adapters take ``perform`` and ``actions_for`` from here: the registry is complete by then.
"""
from app.services.commands import (  # noqa: F401
                                   acceptance,
                                   admin,
                                   applications,
                                   attachments,
                                   changes,
                                   checks,
                                   delegations,
                                   demonstration,
                                   endorsement,
                                   evaluation,
                                   funding,
                                   jobs,
                                   materials,
                                   projects,
                                   review,
                                   tokens,
                                   users,
)
from app.services.engine.actions import (
                                   action,
                                   actions_for,
                                   actions_on,
                                   all_actions,
                                   perform,
                                   prepare_step,
)

__all__ = ["action", "actions_for", "actions_on", "all_actions", "perform", "prepare_step"]
