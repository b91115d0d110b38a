"""Error pages and the mapping of domain errors to HTTP statuses."""
from flask import Flask, render_template

from app.errors import Conflict, Denied, Invalid, NotFound


def register(app: Flask) -> None:
    @app.errorhandler(Denied)
    def _denied(exc: Denied):
        return render_template("errors/403.html", reason=exc.reason), 403

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return render_template("errors/404.html"), 404

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        return render_template("errors/409.html", reason=str(exc)), 409

    @app.errorhandler(Invalid)
    def _invalid(exc: Invalid):
        return render_template("errors/400.html", errors=exc.errors), 400
