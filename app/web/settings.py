"""My mail settings (e-mail address, language of mails, immediate / daily digest / none) and
催办 from an item's page — each calls one service, like the JSON API."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.database import transaction
from app.errors import Invalid
from app.kinds import PAGE_ENDPOINTS
from app.models import LOCALES, MailPreference
from app.services.commands.mail_settings import update_mail_settings
from app.services.supervision.urging import urge

bp = Blueprint("mail_settings", __name__, url_prefix="/settings/mail")
urging_bp = Blueprint("urging", __name__)


class CsrfForm(FlaskForm):
    """Only the CSRF token: the service's schema validates the fields."""


def _page(values: dict, errors: dict | None = None, status: int = 200):
    return render_template("settings/mail.html", form=CsrfForm(), values=values, errors=errors or {},
                           locales=LOCALES, preferences=MailPreference.ALL), status


@bp.get("")
@login_required
def edit():
    user = current_user
    return _page({"email": user.email or "", "locale": user.locale, "mail_preference": user.mail_preference})


@bp.post("")
@login_required
def save():
    values = {k: request.form.get(k, "") for k in ("email", "locale", "mail_preference")}
    if not CsrfForm().validate_on_submit():
        return _page(values, {"_": _("The form has expired; please submit it again.")}, 400)
    try:
        with transaction():
            update_mail_settings(current_user, values)
    except Invalid as exc:
        return _page(values, exc.errors, 422)
    flash(_("Your mail settings are saved."), "success")
    return redirect(url_for(".edit"))


@urging_bp.post("/urge/<kind>/<int:id>")
@login_required
def urge_item(kind: str, id: int):
    endpoint = PAGE_ENDPOINTS.get(kind)
    if endpoint is None or not CsrfForm().validate_on_submit():
        flash(_("The form has expired; please submit it again."), "error")
        return redirect(url_for(endpoint, id=id) if endpoint else url_for("inbox.index"))
    try:
        with transaction():
            urge(current_user, kind, id, {"note": request.form.get("note", "")})
    except Invalid as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for(endpoint, id=id) + "#urge")
    flash(_("Urged (催办): those handling the item are notified with your note."), "success")
    return redirect(url_for(endpoint, id=id))
