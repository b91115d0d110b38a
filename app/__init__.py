"""Pilotflow (试点通): the e-government pilot programme's approval workflow engine."""
from __future__ import annotations

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    from app.config import settings

    app.config.from_mapping(settings(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # Chinese stays readable in API answers

    register_request_guards(app)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_rate_limits(app)
    register_commands(app)
    return app


def register_request_guards(app: Flask) -> None:
    """First of all: the proxy and the security headers, bounds on what a request may carry."""
    from app import bounds, security

    security.register(app)
    bounds.register(app)


def register_extensions(app: Flask) -> None:
    from app import i18n
    from app.database import after_commit, tune_engine
    from app.extensions import babel, csrf, db, login_manager, migrate
    from app.jobs import queue

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_root() / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(_root() / "translations"))
    i18n.install_template_gettext(app)
    login_manager.init_app(app)
    with app.app_context():
        tune_engine(db.engine)
    queue.init_app(app)
    after_commit(app, queue.after_commit)  # a decision's outbox rows go to the job queue once it stands
    import app.models  # noqa: F401  (registers the tables on the metadata)


def register_blueprints(app: Flask) -> None:
    from app.api import register as register_api
    from app.web import register as register_web

    register_web(app)
    register_api(app)


def register_errors(app: Flask) -> None:
    from app.web.errors import register as register_error_pages

    register_error_pages(app)


def register_rate_limits(app: Flask) -> None:
    from app import ratelimits
    from app.api import resource_blueprints

    ratelimits.register(app, resource_blueprints())


def register_commands(app: Flask) -> None:
    from app.cli import register as register_cli

    register_cli(app)


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
