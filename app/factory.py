"""The app factory: ``create_app()`` makes the Flask app and registers everything on it, in order.

Kept out of the ``app`` package's ``__init__``: that runs whenever any ``app.x`` is imported (a
model in a migration, a service in a worker), and must not load the web stack with it."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from app import bounds, i18n, models, ratelimits, routing, security  # noqa: F401  (models: registers the tables)
from app.api import register as register_api
from app.api import resource_blueprints
from app.cli import register as register_cli
from app.config import settings
from app.database import after_commit, tune_engine
from app.extensions import babel, csrf, db, login_manager, migrate
from app.jobs import queue
from app.web import register as register_web
from app.web.errors import register as register_error_pages

ROOT = Path(__file__).resolve().parent.parent  # the checkout: migrations/ and translations/


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask("app", instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    app.url_rule_class = routing.LazyBuildRule  # before any rule is added
    app.config.from_mapping(settings(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # Chinese stays readable in API answers

    register_request_guards(app)
    register_extensions(app)
    register_web(app)
    register_api(app)
    register_error_pages(app)
    ratelimits.register(app, resource_blueprints())
    register_cli(app)
    return app


def register_request_guards(app: Flask) -> None:
    """First of all: the proxy and the security headers, bounds on what a request may carry."""
    security.register(app)
    bounds.register(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    i18n.install_template_gettext(app)
    login_manager.init_app(app)
    with app.app_context():
        tune_engine(db.engine)
    queue.init_app(app)
    after_commit(app, queue.after_commit)  # a decision's outbox rows go to the job queue once it stands
