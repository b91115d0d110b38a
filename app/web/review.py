"""The reviewers' desks: batch endorsement with ranking (汇总上报) for IT offices, and the
leader's quota board per batch with the off-plan applications awaiting a plan-gate override."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.bounds import MAX_ID, bounded_int
from app.database import transaction
from app.errors import Conflict, Invalid
from app.models import PilotCategory
from app.schemas import first_message
from app.services.commands import endorsement as escalation
from app.services.reads import inbox as reads

bp = Blueprint("review", __name__)


@bp.app_template_global("summary_documents")
def summary_documents_page(endorsements) -> dict:
    """The 汇总上报表 the signed-in user may see, by summary id, for an application's route."""
    return escalation.summary_documents(current_user._get_current_object(),
                                        [e.summary_id for e in endorsements if e.summary_id])


def _by_application(exc: Invalid, items: list[dict]) -> dict:
    """A many-application form's errors: each item's under its own input's name
    (``ranking-<id>``, labelled with the application's name on the page), not marshmallow's
    ``items: 0: ranking: …``. A message about the list as a whole stays under ``items``."""
    nested = exc.nested.get("items")
    if not isinstance(nested, dict) or not all(isinstance(index, int) and index < len(items) for index in nested):
        return exc.errors
    errors = {key: message for key, message in exc.errors.items() if key != "items"}
    for index, fields in nested.items():
        for field, messages in fields.items():
            errors[f"{field}-{items[index]['id']}"] = first_message(messages)
    return errors


def _labels(applications) -> dict:
    """What the error summary calls each application's inputs (and a ranking refused before the
    schema reads it, such as one holding a NUL: ``items.ranking``)."""
    return {"items.ranking": _("Ranking"), **{key: label for a in applications for key, label in (
        (f"ranking-{a.id}", _("Ranking of %(name)s", name=a.name)), (f"version-{a.id}", a.name))}}


def _batch(form) -> dict:
    """The form as BatchEndorsementSchema's data: the ticked applications with their ranking
    and the version seen, and the one opinion for all (the service validates it)."""
    return {"opinion": form.get("opinion", ""),
            "items": [{"id": bounded_int(i), "ranking": form.get(f"ranking-{i}") or None,
                       "version": bounded_int(form.get(f"version-{i}"))}
                      for i in form.getlist("pick") if bounded_int(i)]}


@bp.route("/endorsements", methods=["GET", "POST"])
@login_required
def endorsements():
    policies.require("endorser", current_user)
    errors: dict = {}
    if request.method == "POST":
        data = _batch(request.form)
        try:
            with transaction():
                escalation.endorse_many(current_user, data)
        except Invalid as exc:
            errors = _by_application(exc, data["items"])
        except Conflict as exc:  # a place in the ranking another application holds
            errors = {"items": str(exc)}
        else:
            flash(_("%(n)d applications endorsed and forwarded.", n=len(data["items"])), "success")
            return redirect(url_for(".endorsements"))
    queue = reads.endorsement_queue(current_user)
    return render_template("review/endorsements.html", queue=queue, errors=errors, labels=_labels(queue),
                           places=escalation.suggested_places(current_user, queue),
                           form=request.form if errors else None), (422 if errors else 200)


def _rerank(form) -> dict:
    """The ranking form as RerankSchema's data: every application whose place was given."""
    return {"opinion": form.get("opinion", ""),
            "items": [{"id": bounded_int(i), "ranking": _number(form.get(f"ranking-{i}"))}
                      for i in form.getlist("item") if bounded_int(i) and (form.get(f"ranking-{i}") or "").strip()]}


def _number(text: str):
    """A form's number as an int, or the text itself, for the schema to say what is wrong with it."""
    number = bounded_int(text, -MAX_ID, MAX_ID)
    return number if number is not None else text.strip()


@bp.route("/endorsements/ranking", methods=["GET", "POST"])
@login_required
def ranking():
    """The office's endorsed applications by batch and rank; those the next level still reviews
    can be re-ranked (重新排序, recorded per application)."""
    policies.require("endorser", current_user)
    errors: dict = {}
    if request.method == "POST":
        data = _rerank(request.form)
        try:
            with transaction():
                moved = escalation.rerank(current_user, data)
        except Invalid as exc:
            errors = _by_application(exc, data["items"])
        except Conflict as exc:
            errors = {"items": str(exc)}
        else:
            flash(_("The ranking of %(n)d applications was saved.", n=len(moved)), "success")
            return redirect(url_for(".ranking"))
    rows = escalation.office_ranking(current_user)
    return render_template("review/ranking.html", rows=rows, labels=_labels(a for a, _e in rows),
                           movable=escalation.RERANK_STATES, errors=errors,
                           form=request.form if errors else None), (422 if errors else 200)


@bp.get("/quota")
@login_required
def quota():
    return render_template("review/quota.html", boards=reads.quota_boards(current_user),
                           off_plan=reads.awaiting_plan_override(current_user), categories=PilotCategory)
