"""Workflow versions pinned per case: a new case follows its flow's current version, keeps it
while the flow changes, and moves to the current version only by an admin's recorded decision.

The definitions live in ``workflows.registry`` (name → version → flow, old versions kept as
data); ``app.kinds.flow_of(case)`` is the version a case follows, and ``fire``, the buttons, the
inbox, the diagrams and the time limits all read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import policies
from app.errors import Conflict, Invalid
from app.extensions import db
from app.i18n import short_locale
from app.kinds import KIND_OF_MODEL, KINDS, MODEL_OF
from app.models import User
from app.schemas import CaseMigrationSchema, load
from app.services.engine.loading import load_visible
from app.services.records import audit
from app.services.time import due
from workflows.registry import VERSIONS, current_version, flow_version

MIGRATE = "migrate_flow"  # the audit record's trigger: a case moved to another version of its flow


@event.listens_for(Session, "before_flush")
def _pin_new_cases(session, _context, _instances) -> None:
    """A case created without a version follows its flow's current one."""
    for obj in session.new:
        kind = KIND_OF_MODEL.get(type(obj))
        if kind is not None and getattr(obj, "flow_version", None) is None and kind in VERSIONS:
            obj.flow_version = current_version(kind)


@dataclass(frozen=True)
class VersionCount:
    kind: str
    version: int
    current: bool
    cases: int
    states: int  # the states this version uses
    steps: int


def version_counts() -> list[VersionCount]:
    """Every loadable version of every flow with how many cases follow it (one GROUP BY per kind)."""
    rows = []
    for kind, k in KINDS.items():
        model = k.model
        counts = dict(db.session.execute(sa.select(model.flow_version, sa.func.count())
                                         .group_by(model.flow_version)).all())
        known = VERSIONS.get(kind, {1: k.flow})
        latest = max(known)
        for v in sorted(set(known) | set(counts)):
            flow = known.get(v)
            rows.append(VersionCount(kind, v, v == latest, counts.get(v, 0),
                                     len(flow.used_states) if flow else 0, len(flow.steps) if flow else 0))
    return rows


def versions_overview(actor: User) -> list[VersionCount]:
    """The admin page's and the API's table (admins only)."""
    policies.require("admin", actor)
    return version_counts()


def migrate_case(actor: User, kind: str, entity_id: int, data: dict | None = None,
                 expected_version: int | None = None):
    """An admin moves a case to its flow's current version: allowed only when the case's stage
    exists in that version; compare-and-set on the case's version, audited with the reason."""
    fields = load(CaseMigrationSchema(), data or {})
    if kind not in MODEL_OF:
        raise Invalid({"kind": str(_l("Unknown kind of item."))})
    model = MODEL_OF[kind]
    entity = load_visible(model, entity_id, actor)
    policies.require("admin", actor)
    old, new = entity.flow_version or 1, current_version(kind)
    if old == new:
        raise Conflict(str(_l("This case already follows the current version (%(version)d) of its flow.",
                              version=new)))
    target = flow_version(kind, new)
    if not target.has_state(entity.state):
        raise Conflict(str(_l("Version %(new)d of the flow has no stage “%(stage)s”: the case stays on version "
                              "%(old)d and finishes under it.", new=new, old=old, stage=entity.state.label(_locale()))))
    if expected_version is not None and entity.version != expected_version:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    day = due.day_of(kind, SimpleNamespace(id=entity.id, state=entity.state, flow_version=new,
                                           stage_entered_at=entity.stage_entered_at))  # the new version's limit
    result = db.session.execute(
        sa.update(model).where(model.id == entity.id, model.version == entity.version,
                               model.flow_version == entity.flow_version)
        .values(flow_version=new, version=entity.version + 1, due_on=day).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    for key, value in (("flow_version", new), ("version", entity.version + 1), ("due_on", day)):
        sa.orm.attributes.set_committed_value(entity, key, value)
    audit.record(entity_type=kind, entity_id=entity.id, trigger=MIGRATE, actor=actor, role="admin",
                 from_state=entity.state.value, to_state=entity.state.value, opinion=fields["opinion"].strip(),
                 payload={"from_version": old, "to_version": new})
    return entity


def _locale() -> str:
    try:
        return short_locale()
    except Exception:  # outside a request/app with babel: Chinese
        return "zh"
