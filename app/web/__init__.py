"""HTML blueprints."""
from flask import Flask


def register(app: Flask) -> None:
    from app.web import actions, applications, auth, inbox, review, templating

    templating.register(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(actions.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(applications.bp)
    app.register_blueprint(review.bp)
    from app.web import tokens; app.register_blueprint(tokens.bp)  # noqa: E702  (API tokens page)
    from app.web import admin, dashboard, demonstration, evaluation, panels, projects  # programme pages

    for module in (projects, panels, evaluation, demonstration, dashboard, admin):
        app.register_blueprint(module.bp)
    from app.web.verify import bp as documents_bp; app.register_blueprint(documents_bp)  # noqa: E702
    from app.web import calendar; app.register_blueprint(calendar.bp)  # noqa: E702  (working-day calendar)
