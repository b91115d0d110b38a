"""Sign-in and sign-out. Sessions carry the user's session generation, so logging out (or a
password change) kills every copy of the cookie; repeated failures lock the account; an idle
or too old session times out; the language choice is a cookie that app.i18n reads."""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.bounds import ascii_int
from app.database import transaction
from app.extensions import db, login_manager
from app.models import User
from app.services.commands.users import authenticate, revoke_sessions
from app.web.redirects import safe_target

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


# One statement for the user, the organisation and the roles: every page asks for them. Built
# once, so a request only binds the id (building it each time was a sixth of a millisecond).
_SIGNED_IN = sa.select(User).options(joinedload(User.role_rows)).where(User.id == sa.bindparam("user_id"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, generation = (ascii_int(part) for part in session_id.partition(":")[::2])
    if user_id is None or generation is None:
        return None
    user = db.session.execute(_SIGNED_IN, {"user_id": user_id}).unique().scalar_one_or_none()
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page says it itself
login_manager.session_protection = "strong"

ABSOLUTE_SESSION_SECONDS = 12 * 3600  # a working day, however active
# Seconds: how often a session notes that it is in use (idle time is counted from there). The
# cookie is sent again only when the session changes (SESSION_REFRESH_EACH_REQUEST is off):
# signing it anew on every page cost some 0.7 ms of a 7 ms page.
SEEN_EVERY = 60


def session_seconds() -> int:
    """The time sessions are measured by: the wall clock, not the programme's clock (``app.clock``,
    which tests move by days to reach deadlines without signing everybody out)."""
    return int(time.time())


@bp.before_app_request
def expire_idle_sessions():
    """Sign out a session idle longer than PERMANENT_SESSION_LIFETIME or older than a day's work.
    Not for a static file, nor for the API, which knows tokens only (its blueprints are named
    ``api_…`` and ``api-docs``): asking who is signed in reads the session cookie and hashes the
    client's address, on every API request."""
    if request.endpoint == "static" or (request.blueprint or "").startswith("api") \
            or not current_user.is_authenticated:
        return None
    now = session_seconds()
    idle = current_app.permanent_session_lifetime.total_seconds()
    if now - session.get("seen", now) > idle or now - session.get("signed_in", now) > ABSOLUTE_SESSION_SECONDS:
        logout_user()
        session.clear()
        flash(_("Your session has timed out. Please sign in again."), "info")
        return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))
    if now - session.get("seen", 0) >= SEEN_EVERY:
        session["seen"] = now
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with transaction():
            user = authenticate(form.username.data, form.password.data,
                                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                                lock_seconds=current_app.config["LOGIN_LOCK_SECONDS"])
        if user is not None:
            session.clear()  # no state carried over from before sign-in
            session.permanent = True
            login_user(user)
            session["signed_in"] = session["seen"] = session_seconds()
            return redirect(safe_target(request.values.get("next"), url_for("inbox.index")))
        flash(_("Wrong username or password, or the account is locked after repeated failures."), "error")
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" else 401)


@bp.post("/logout")
@login_required
def logout():
    with transaction():
        revoke_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    """Remember the chosen language (zh_CN or en) for a year; the page is shown again in it."""
    choice = request.form.get("lang", "")
    response = redirect(safe_target(request.form.get("next"), url_for("auth.home")))
    if choice in current_app.config["BABEL_SUPPORTED_LOCALES"]:
        response.set_cookie("lang", choice, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


@bp.route("/")
@login_required
def home():
    return redirect(url_for("inbox.index"))
