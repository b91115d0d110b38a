"""The supervision board (电子监察) for the Office's leaders and reviewers: the figures per
office, prefecture and stage, a drill-down from any figure to its items, and the board as Excel."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.i18n import short_locale
from app.services.reads import supervision
from app.web.exports import download

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


def _arg(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


@bp.get("/")
@login_required
def index():
    board = supervision.board(current_user, locale=short_locale())
    return render_template("supervision/index.html", board=board, dimensions=supervision.DIMENSIONS)


@bp.get("/items")
@login_required
def items():
    dimension = _arg("dimension", supervision.DIMENSIONS)
    key = (request.args.get("key") or "")[:64] or None
    measure = _arg("measure", supervision.MEASURES)
    found = supervision.drill_down(current_user, dimension, key, measure)
    heading = supervision.labels(dimension, [key], short_locale())[key] if dimension and key else None
    return render_template("supervision/items.html", items=found, dimension=dimension, key=key, measure=measure,
                           heading=heading)


def _percent(value: float | None):
    return None if value is None else round(value * 100, 1)


@bp.get("/export.xlsx")
@login_required
def export():
    board = supervision.board(current_user, locale=short_locale())
    names = {"office": _("Office"), "prefecture": _("Prefecture"), "stage": _("Stage")}
    headers = [_("Dimension"), _("Name"), _("Completed stages"), _("Completed on time"), _("On-time rate (%)"),
               _("Average working days"), _("In progress"), _("Due soon"), _("Overdue")]
    rows = [[_("All"), _("All"), *_figures(board.total)]]
    for dimension in supervision.DIMENSIONS:
        rows += [[names[dimension], row.label, *_figures(row.figures)] for row in board.rows[dimension]]
    return download(headers, rows, "supervision", "xlsx", sheet=_("Supervision"))


def _figures(f: supervision.Figures) -> list:
    average = None if f.average_days is None else round(f.average_days, 1)
    return [f.completed, f.on_time, _percent(f.on_time_rate), average, f.current, f.due_soon, f.overdue]
