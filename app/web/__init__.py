"""HTML blueprints."""
from flask import Flask


def register(app: Flask) -> None:
    from app.web import auth

    app.register_blueprint(auth.bp)
