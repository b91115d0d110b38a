"""Sign-in and sign-out. Sessions carry the user's session generation, so logging out (or a
password change) kills every copy of the cookie; repeated failures lock the account."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.database import transaction
from app.extensions import db, login_manager
from app.models import User
from app.services.users import authenticate, revoke_sessions

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"


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
            session.permanent = True
            login_user(user)
            return redirect(url_for("auth.home"))
        flash(_("Wrong username or password, or the account is locked after repeated failures."), "error")
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" else 401)


@bp.post("/logout")
@login_required
def logout():
    with transaction():
        revoke_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/")
@login_required
def home():
    return render_template("auth/home.html")
