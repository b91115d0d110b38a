"""Words for stored codes: a history entry's step, state and role in the current locale (the
pages, the API and the dossier's history all name them the same way)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.i18n import short_locale
from app.models import Role
from workflows import FLOWS

# History entries that are not workflow steps.
OTHER_TRIGGERS = {
    "create": _l("Created"), "edit": _l("Edited"), "attach": _l("Attachment added"),
    "detach": _l("Attachment removed"), "open": _l("Opened"), "request_funding": _l("Follow-on funding requested"),
    "publish": _l("Published"), "rerank": _l("Re-ranked"),
    "remind": _l("Reminder: due soon"), "escalate": _l("Overdue: escalated to the supervising level"),
    "urge": _l("Urged (催办)"),
}


def trigger_label(entity_type: str, trigger: str) -> str:
    flow = FLOWS.get(entity_type)
    if flow is not None and trigger in flow.triggers:
        return flow.step_for(trigger).label(short_locale())
    return str(OTHER_TRIGGERS.get(trigger, trigger))


def state_label(entity_type: str, value: str | None) -> str:
    flow = FLOWS.get(entity_type)
    if not value or flow is None:
        return value or ""
    try:
        return flow.states(value).label(short_locale())
    except ValueError:
        return value


def role_label(value: str | None) -> str:
    if value == "system":  # the time-limit scan's escalations
        return str(_l("Automatic (time limits)"))
    try:
        return Role(value).label(short_locale())
    except ValueError:
        return value or ""


def kind_label(entity_type: str) -> str:
    flow = FLOWS.get(entity_type)
    return flow.label(short_locale()) if flow is not None else entity_type


def application_number(application) -> str:
    """An application's human number, or "Draft" (未提交) while it has none."""
    number = getattr(application, "number", None)
    return number or str(_l("Draft (not submitted)"))
