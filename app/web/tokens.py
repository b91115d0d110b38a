"""My API tokens: list, create (the secret is shown once), revoke — the same service as
`flask users token`."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from app.database import transaction
from app.errors import Invalid
from app.services.commands import tokens

bp = Blueprint("tokens", __name__, url_prefix="/settings/tokens")


class TokenForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=64)])
    expires_in_days = IntegerField("expires_in_days", default=tokens.DEFAULT_DAYS,
                                   validators=[NumberRange(min=1, max=tokens.MAX_DAYS)])


class RevokeForm(FlaskForm):
    pass


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    return render_template("tokens/index.html", form=form, revoke_form=RevokeForm(), secret=secret,
                           tokens=tokens.list_tokens(current_user), is_usable=tokens.is_usable), status


@bp.get("")
@login_required
def index():
    return _page(TokenForm())


@bp.post("")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        with transaction():
            _, secret = tokens.create_token(current_user, {"name": form.name.data,
                                                          "expires_in_days": form.expires_in_days.data})
    except Invalid as exc:
        for field, message in exc.errors.items():
            getattr(form, field, form.name).errors = [message]
        return _page(form, status=422)
    return _page(TokenForm(formdata=None), secret=secret, status=201)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if RevokeForm().validate_on_submit():
        with transaction():
            tokens.revoke_token(current_user, token_id)
        flash(_("The token is revoked: programs using it are refused from now on."), "success")
    return redirect(url_for("tokens.index"))
