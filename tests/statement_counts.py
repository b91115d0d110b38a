"""Helpers for the statement-count tests (tests/web and tests/api): count the SQL statements a
request runs, and grow a seeded programme from one item per list to a hundred by copying rows.

The first item of every kind is made with the real services (tests/factories.py); the copies are
plain INSERTs of those rows with their own ids (and unique columns), so a list of one and a list
of a hundred hold the same kinds of rows and every per-row load would show in the count."""
from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

import sqlalchemy as sa

from app.database import transaction
from app.extensions import db
from app.models import (
    Acceptance,
    AcceptanceScore,
    Application,
    AuditRecord,
    Endorsement,
    Evaluation,
    Expert,
    JointOpinion,
    MidtermCheck,
    Notification,
    PanelMember,
    Project,
    User,
    UserRole,
)
from app.services.reads.paging import COUNTS
from tests import factories as f


@contextmanager
def counting():
    """``with counting() as n:`` — ``n[0]`` is the number of statements run inside, with no count
    kept from before (``paging.COUNTS``: a page read again on an unchanged database skips its
    COUNT), so that every page is measured at its full cost."""
    found = [0]
    COUNTS.entries().clear()

    def count(_conn, _cursor, statement, *_args, **_kw):
        found[0] += 1
        found.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield found
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def statements(get, url: str) -> tuple[int, object, list[str]]:
    """(statements run, response, their SQL) for one GET."""
    with counting() as n:
        response = get(url)
    return n[0], response, n[1:]


def seed_one_of_each() -> None:
    """One item waiting at each stage a list or an inbox shows (real services)."""
    f.graded("dali_applicant")  # an application, a project, a check, a sealed acceptance, an evaluation
    _, acc_id = f.in_acceptance("wuhua_applicant")
    f.panel(acc_id)  # an acceptance the experts score
    f.submitted("dali_applicant")  # 逐级上报 at the Dali city office
    f.endorsed("kunming_applicant")  # 初审
    f.in_re_review("qujing_applicant")  # 复审
    f.draft("wuhua_applicant")


def _copy(model, row: dict, **changes) -> int | None:
    table = model.__table__
    values = {k: v for k, v in {**row, **changes}.items() if k != "id"}
    if "id" not in table.c:
        db.session.execute(sa.insert(table).values(**values))
        return None
    return db.session.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one()


def _rows(model, *where) -> list[dict]:
    return [dict(r) for r in db.session.execute(sa.select(model.__table__).where(*where)).mappings()]


def _copy_children(model, key: str, old: int, new: int, **changes) -> list[tuple[int, int]]:
    return [(row.get("id"), _copy(model, row, **{key: new}, **changes)) for row in _rows(model, getattr(model, key) == old)]


def multiply(times: int) -> None:
    """Copy every application (with its route, opinions, project, checks, acceptances and their
    panels, evaluations), every user's notifications and decisions, and the experts' users,
    ``times - 1`` times over."""
    with transaction():
        applications = _rows(Application)
        notifications = _rows(Notification)
        records = _rows(AuditRecord)
        expert_users = _rows(User, User.id.in_(sa.select(Expert.user_id)))
        for i in range(1, times):
            for app in applications:
                new_app = _copy(Application, app, name=f"{app['name']} 副本{i}",
                                number=app["number"] and f"{app['number']}-{i}")
                _copy_children(Endorsement, "application_id", app["id"], new_app, ranking=None)  # a place is one application's
                _copy_children(JointOpinion, "application_id", app["id"], new_app)
                for project in _rows(Project, Project.application_id == app["id"]):
                    new_project = _copy(Project, project, application_id=new_app, code=f"{project['code']}-{i}",
                                        name=f"{project['name']} 副本{i}")
                    _copy_children(MidtermCheck, "project_id", project["id"], new_project)
                    _copy_children(Evaluation, "project_id", project["id"], new_project)
                    for old_acc, new_acc in _copy_children(Acceptance, "project_id", project["id"], new_project):
                        _copy_children(PanelMember, "acceptance_id", old_acc, new_acc)
                        _copy_children(AcceptanceScore, "acceptance_id", old_acc, new_acc)
            for note in notifications:
                _copy(Notification, note)
            next_id = db.session.scalar(sa.select(sa.func.max(AuditRecord.id)))
            for record in records:  # (a record's id is the chain's next one: audit.record gives it)
                next_id += 1
                # "copy" is not hex, so a copy's hash never equals a real one (or another copy's)
                db.session.execute(sa.insert(AuditRecord).values(
                    **{**record, "id": next_id, "hash": f"copy{i:04d}{record['hash'][8:]}"}))
            for user in expert_users:
                new_user = _copy(User, user, username=f"{user['username']}-{i}")
                _copy_children(UserRole, "user_id", user["id"], new_user)
                _copy_children(Expert, "user_id", user["id"], new_user)


def _shape(statement: str) -> str:
    """A statement without its parameters (an IN list of any length reads the same)."""
    return re.sub(r"\((?:(?:\?|%\(\w+\)s|__\[POSTCOMPILE_\w+\])(?:, )?)+\)", "(…)", statement)


def grown(before: list[str], after: list[str]) -> list[str]:
    """The statements the second run made more often than the first (to show in a failure)."""
    more = Counter(map(_shape, after)) - Counter(map(_shape, before))
    return [f"{n} × {shape}" for shape, n in more.items()]
