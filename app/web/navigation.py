"""The navigation bar as data: one entry per link, in order, each shown exactly when the policy
its page enforces allows (tests/web/test_navigation.py holds every demo account to that)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    rule: str                        # the app.policies rule the page's view or service enforces
    current: tuple[str, ...] = ()    # endpoints shown as this link's page; "x." means all of blueprint x
    instead_of: str | None = None    # shown only when the link to this endpoint is not (it leads here too)
    relabel: tuple[str, str] | None = None  # (rule, label): the label for actors the rule allows
    unread: bool = False             # carries the unread-notification count

    def is_current(self, endpoint: str) -> bool:
        return any(endpoint.startswith(c) if c.endswith(".") else endpoint == c for c in self.current)


NAV: tuple[NavLink, ...] = (
    NavLink("inbox.index", _l("My tasks"), "signed_in", ("inbox.index", "inbox.handled")),
    NavLink("applications.index", _l("Applications"), "signed_in",
            ("applications.index", "applications.detail", "applications.edit", "applications.re_review")),
    NavLink("applications.new", _l("New application"), "applicant", ("applications.new",)),
    NavLink("review.endorsements", _l("Batch endorsement"), "endorser", ("review.endorsements", "review.ranking")),
    NavLink("review.quota", _l("Quota board"), "programme_overview", ("review.quota",)),
    NavLink("inbox.notifications", _l("Notifications"), "signed_in", ("inbox.notifications",), unread=True),
    NavLink("projects.index", _l("Projects"), "project_list", ("projects.",)),
    NavLink("panels.index", _l("Acceptances"), "acceptance_list", ("panels.",),
            relabel=("own_panels", _l("My panels"))),
    NavLink("evaluation.index", _l("Evaluations"), "evaluation_list", ("evaluation.",)),
    NavLink("changes.index", _l("Change requests"), "change_request_list", ("changes.",)),
    NavLink("funding.index", _l("Follow-on funding"), "funding_list", ("funding.",)),
    NavLink("demonstration.index", _l("Demonstration"), "programme_overview", ("demonstration.index",)),
    NavLink("dashboard.index", _l("Dashboard"), "programme_overview", ("dashboard.",)),
    NavLink("supervision.index", _l("Supervision"), "supervision_board", ("supervision.",)),
    NavLink("demonstration.published", _l("Demonstration projects"), "signed_in", ("demonstration.published",),
            instead_of="demonstration.index"),
    NavLink("delegations.index", _l("Delegation"), "delegations_reader", ("delegations.",)),
    NavLink("admin.users", _l("Administration"), "admin", ("admin.", "calendar.", "time_limits.", "workflow_versions.")),
)


def links(may: Callable[[str], bool]) -> list[tuple[NavLink, str]]:
    """The links an actor may follow, each with the label they see; ``may(rule)`` asks the policies."""
    allowed = {link.endpoint for link in NAV if may(link.rule)}
    shown = []
    for link in NAV:
        if link.endpoint not in allowed or (link.instead_of and link.instead_of in allowed):
            continue
        label = link.relabel[1] if link.relabel and may(link.relabel[0]) else link.label
        shown.append((link, str(label)))
    return shown
