"""HTML blueprints: one module per page family, registered in this order."""
from flask import Flask

from app.web import (
    actions,
    admin,
    applications,
    auth,
    calendar,
    dashboard,
    demonstration,
    evaluation,
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
)

BLUEPRINTS = (auth.bp, actions.bp, inbox.bp, applications.bp, review.bp, tokens.bp, projects.bp, panels.bp,
              evaluation.bp, demonstration.bp, demonstration.public_bp, dashboard.bp, admin.bp, verify.bp, calendar.bp, settings.bp,
              settings.urging_bp, time_limits.bp, supervision.bp, jobs.bp)


def register(app: Flask) -> None:
    templating.register(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
