"""The Office's time limits per stage: read them all, set one, clear one (back to the step
record's default). Only the "time_limit_editor" policy may; every change is audited
(entity_type "time_limit", entity id the override's row, the stage and the days in the payload)
and nothing is committed here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from app import policies
from app.errors import NotFound
from app.extensions import db
from app.kinds import KINDS
from app.models import StepLimit, User
from app.models.base import utcnow
from app.models.time_limit import MAX_DAYS
from app.schemas import load
from app.services.records import audit
from app.services.time import due, limits
from workflows.engine import LabelledEnum


class StepLimitSchema(Schema):
    """A stage's own time limit in working days (1–365)."""

    class Meta:
        unknown = EXCLUDE

    days = fields.Integer(required=True, strict=False, validate=validate.Range(
        min=1, max=MAX_DAYS, error=str(_l("A time limit is between 1 and %(max)d working days.", max=MAX_DAYS))),
        metadata={
        "description": f"Working days, 1 to {MAX_DAYS}."}, error_messages={
        "required": str(_l("This field is required.")), "null": str(_l("This field is required.")),
        "invalid": str(_l("Enter a whole number of working days."))})


@dataclass(frozen=True)
class StageLimit:
    kind: str
    state: LabelledEnum
    default: int
    override: int | None
    set_by: str | None
    set_at: dt.datetime | None

    @property
    def effective(self) -> int:
        return self.override if self.override is not None else self.default


def stage_limits(actor: User) -> list[StageLimit]:
    """Every stage somebody waits in with a limit: its default, the Office's override, the effective limit."""
    policies.require("time_limit_editor", actor)
    rows = {(r.kind, r.state): (r, name) for r, name in db.session.execute(
        sa.select(StepLimit, User.display_name).join(User, User.id == StepLimit.set_by_id))}
    out = []
    for kind, state, default in limits.limited_stages():
        row, name = rows.get((kind, state.value), (None, None))
        out.append(StageLimit(kind, state, default, row.days if row else None, name, row.set_at if row else None))
    return out


def _stage(kind: str, state: str) -> LabelledEnum:
    for k, st, _default in limits.limited_stages():
        if (k, st.value) == (kind, state):
            return st
    raise NotFound(f"time limit of {kind}/{state}")


def _days(data: dict) -> int:
    return load(StepLimitSchema(), data)["days"]


def set_limit(actor: User, kind: str, state: str, data: dict) -> StepLimit:
    """The stage's limit becomes ``data["days"]`` working days (refused, with nothing written,
    when it is not a whole number between 1 and 365)."""
    policies.require("time_limit_editor", actor)
    if kind not in KINDS:
        raise NotFound(f"time limit of {kind}/{state}")
    stage = _stage(kind, state)
    days = _days(data)
    row = db.session.scalar(sa.select(StepLimit).where(StepLimit.kind == kind, StepLimit.state == state))
    before = row.days if row else None
    if row is None:
        row = StepLimit(kind=kind, state=state)
        db.session.add(row)
    row.days, row.set_by_id, row.set_at = days, actor.id, utcnow()
    db.session.flush()
    _record(actor, row.id, "time_limit_set", {"kind": kind, "state": state, "days": days, "before": before,
                                               "default": limits.default_days(kind, stage)})
    limits.forget()
    due.refresh([kind], state)
    return row


def clear_limit(actor: User, kind: str, state: str) -> None:
    """Take back the Office's limit: the step record's default applies again."""
    policies.require("time_limit_editor", actor)
    stage = _stage(kind, state) if kind in KINDS else None
    row = db.session.scalar(sa.select(StepLimit).where(StepLimit.kind == kind, StepLimit.state == state))
    if stage is None or row is None:
        raise NotFound(f"time limit of {kind}/{state}")
    _record(actor, row.id, "time_limit_clear", {"kind": kind, "state": state, "before": row.days,
                                                 "default": limits.default_days(kind, stage)})
    db.session.delete(row)
    db.session.flush()
    limits.forget()
    due.refresh([kind], state)


def _record(actor: User, entity_id: int, trigger: str, payload: dict) -> None:
    audit.record(entity_type="time_limit", entity_id=entity_id, trigger=trigger, actor=actor, role="admin",
                 payload=payload)
