"""The programme dashboard for the Office and its leaders: counts by stage, prefecture,
category and domain, and the average days spent in each stage, drawn with Chart.js (vendored
from npm, no CDN) over accessible tables holding the same numbers."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.bounds import bounded_int
from app.i18n import short_locale
from app.services.reads import dashboard as statistics
from app.services.reads import reference
from app.web.projects import programme_context
from workflows.registry import FLOWS

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
bp.context_processor(programme_context)


@bp.get("/")
@login_required
def index():
    batch_id = bounded_int(request.args.get("batch_id"))
    overview = statistics.programme_overview(current_user, batch_id)
    return render_template("dashboard/index.html", ov=overview, batch_id=batch_id,
                           batches=reference.list_batches(per_page=100).items,
                           chart_data=chart_data(overview, short_locale()))


def chart_data(ov: statistics.Overview, locale: str) -> dict:
    """The numbers the charts draw, labelled in the page's language (embedded as JSON)."""
    def bars(items, approved=False):
        out = {"labels": [b.label(locale) for b in items], "counts": [b.count for b in items]}
        if approved:
            out["approved"] = [b.approved for b in items]
        return out

    stays = ov.stage_days
    return {
        "applications": bars(ov.applications_by_stage), "projects": bars(ov.projects_by_stage),
        "prefectures": bars(ov.by_prefecture, True), "categories": bars(ov.by_category, True),
        "domains": bars(ov.by_domain, True),
        "days": {"labels": [f"{FLOWS[s.flow].label(locale)} · {s.state.label(locale)}" for s in stays],
                 "values": [float(s.average_days) for s in stays]},
    }
