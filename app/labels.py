"""Words for stored codes: a history entry's step, state and role in the current locale (the
pages, the API and the dossier's history all name them the same way)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.i18n import gettext, short_locale
from app.models import Role
from workflows import FLOWS
from workflows.registry import VERSIONS

# History entries that are not workflow steps.
OTHER_TRIGGERS = {
    "create": _l("Created"), "edit": _l("Edited"), "attach": _l("Attachment added"),
    "detach": _l("Attachment removed"), "open": _l("Opened"), "request_funding": _l("Follow-on funding requested"),
    "publish": _l("Published"), "file": _l("Objection filed"), "rerank": _l("Re-ranked"),
    "remind": _l("Reminder: due soon"), "escalate": _l("Overdue: escalated to the supervising level"),
    "urge": _l("Urged (催办)"),
    "apply_change": _l("Approved change applied"),
    "designate": _l("Proxy designated (代理)"), "revoke": _l("Delegation revoked"),
    "migrate_flow": _l("Moved to the flow's current version"),
}


def trigger_label(entity_type: str, trigger: str) -> str:
    # the newest version that has the step (an older case's history may name a dropped one)
    flow = next((f for _v, f in sorted(VERSIONS.get(entity_type, {}).items(), reverse=True)
                 if trigger in f.triggers), None)
    if flow is not None:
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
        return gettext("Automatic (time limits)")
    if value == "public":  # an objection filed on the public notice page
        return gettext("Member of the public")
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
    return number or gettext("Draft (not submitted)")


def actor_name(actor, entered_by=None) -> str:
    """Who took a step: the person's name, or, for a step a proxy entered on a leader's behalf,
    both ("王华 批示，张敏 代录" / "Wang Hua (entered by Zhang Min)")."""
    name = actor.display_name if actor is not None else gettext("System")
    if entered_by is None:
        return name
    return gettext("%(leader)s (entered by %(proxy)s)", leader=name, proxy=entered_by.display_name)


def record_actor(rec) -> str:
    """``actor_name`` of a history entry (an AuditRecord with its ``actor`` and ``entered_by``)."""
    return actor_name(rec.actor, rec.entered_by if rec.entered_by_id else None)
