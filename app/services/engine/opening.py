"""Opening cases in bulk: one new case (a mid-term check, an evaluation) for each project a query
finds, each with its audit record ``open`` — for the Office's opening and the scheduler's."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

from app.extensions import db
from app.models import Project, User
from app.services.records import audit


def open_each(due: sa.Select, make: Callable[[Project], object], payload: Callable[[Project], dict], *,
              kind: str, actor: User | None, role: str) -> list:
    """A new case ``make(project)`` for every project ``due`` finds, recorded as opened with
    ``payload(project)``; returns them. The chain's head is locked before ``due`` is read: openers
    (the Office, the scheduler) take turns, and each sees the cases the one before it opened, so
    none is opened twice."""
    audit.locked_head()
    opened = []
    for project in db.session.scalars(due).all():
        case = make(project)
        db.session.add(case)
        db.session.flush()
        audit.record(entity_type=kind, entity_id=case.id, trigger="open", actor=actor, role=role,
                     to_state=case.state.value, payload=payload(project))
        opened.append(case)
    return opened
