"""HTML blueprints: one module per page family, registered in this order."""
from flask import Flask

from app.web import (
    actions,
    admin,
    applications,
    auth,
    calendar,
    changes,
    dashboard,
    delegations,
    demonstration,
    evaluation,
    funding,
    inbox,
    jobs,
    panels,
    projects,
    review,
    settings,
    supervision,
    templating,
    time_limits,
    tokens,
    verify,
    workflow_versions,
)

BLUEPRINTS = (auth.bp, actions.bp, inbox.bp, applications.bp, review.bp, tokens.bp, projects.bp, panels.bp,
              evaluation.bp, funding.bp, demonstration.bp, demonstration.public_bp, dashboard.bp, admin.bp, verify.bp,
              calendar.bp, settings.bp, settings.urging_bp, time_limits.bp, supervision.bp, jobs.bp, changes.bp,
              delegations.bp, workflow_versions.bp)


def register(app: Flask) -> None:
    templating.register(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
