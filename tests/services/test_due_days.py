"""The stored deadline day (``due_on``) always equals what the time-limit rule computes from the
item's history, whatever moved it: a step, a new case, a return and resubmission (停表), the
Office's own limit, a calendar edit, an upgrade of an older database. And the inbox, which
counts and pages in SQL from it, finds exactly the tasks and levels the item-by-item rule finds."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import clock
from app.database import transaction
from app.extensions import db
from app.kinds import KINDS
from app.models import Application, Project, User
from app.policies import visible_to
from app.services.commands import perform, review
from app.services.engine import proxy
from app.services.engine.fire import available_steps
from app.services.reads import applications, projects
from app.services.reads import inbox as worklists
from app.services.reads.applications import ApplicationFilters
from app.services.reads.paging import Timed
from app.services.time import due, limits, step_limits
from app.services.time.schedule import set_day
from tests import factories as f

START = datetime(2026, 3, 2, 10, 0)  # a Monday in Beijing; March 2026 has no holiday


def stored_and_computed() -> dict:
    """Per (kind, id): (the stored day, the day the rule computes now), for every case."""
    out = {}
    db.session.expire_all()
    for kind, k in KINDS.items():
        for case in db.session.scalars(sa.select(k.model)):
            deadline = limits.deadline_of(kind, case)
            out[(kind, case.id)] = (due.day_value(kind, case), deadline.astimezone(clock.BEIJING).date()
                                    if deadline else None)
    return out


def assert_days_agree() -> dict:
    found = stored_and_computed()
    assert {key: pair for key, pair in found.items() if pair[0] != pair[1]} == {}
    return found


def act(username: str, kind: str, item_id: int, trigger: str) -> None:
    with transaction():
        perform(f.user(username), kind, item_id, trigger, {"opinion": "意见"})


def programme() -> dict:
    """Items in most stages, made over several working days, one returned and resubmitted."""
    with clock.frozen(START):
        ids = {"draft": f.draft(), "submitted": f.submitted("dali_applicant"),
               "endorsed": f.endorsed("kunming_applicant")}
    with clock.frozen(START + timedelta(days=1)):
        ids["re_review"] = f.in_re_review("qujing_applicant")
        ids["approval"] = f.awaiting_approval("wuhua_applicant")
        ids["one_opinion"] = f.in_re_review("dali_applicant")  # one joint reviewer has given theirs
        with transaction():
            review.record_joint_opinion(f.user("czt"), ids["one_opinion"], {"recommendation": "approve",
                                                                            "opinion": "同意"})
        ids["all_opinions"] = f.in_re_review("kunming_applicant")  # every joint reviewer has given theirs
        for name in ("fgw", "czt", "xxb"):
            with transaction():
                review.record_joint_opinion(f.user(name), ids["all_opinions"], {"recommendation": "approve",
                                                                                "opinion": "同意"})
        ids["graded"] = f.graded("dali_applicant")[0]
    with clock.frozen(START + timedelta(days=2)):
        _, acceptance = f.in_acceptance("wuhua_applicant")
        f.panel(acceptance)
        f.in_acceptance("kunming_applicant")  # created in its timed stage, and left there
        act("office", "application", ids["endorsed"], "return_for_revision")
    with clock.frozen(START + timedelta(days=8)):
        act("kunming_applicant", "application", ids["endorsed"], "resubmit")  # 停表: the office's days resume
        ids["building"] = f.project("kunming_applicant")  # under construction, no check yet: due at its end
        # Off-plan drafts: one explained, one whose reason is only whitespace (stored some other
        # way: the form refuses it), which may not be submitted.
        ids["explained"] = f.draft("dali_applicant", plan_item_id=None, off_plan_justification="\u3000急需 ")
        ids["blank"] = f.draft("dali_applicant", plan_item_id=None, off_plan_justification="理由")
        with transaction():
            db.session.execute(sa.update(Application).where(Application.id == ids["blank"])
                               .values(off_plan_justification="\u3000\n\t "))
    return ids


def test_every_stored_day_is_the_rules_day_through_the_lifecycle(app):
    programme()
    found = assert_days_agree()
    assert sum(1 for stored, _ in found.values() if stored is not None) >= 4  # the waiting stages
    resumed = db.session.scalar(sa.select(Application).where(Application.state == "initial_review"))
    assert resumed.due_on == limits.deadline_of("application", resumed).astimezone(clock.BEIJING).date()


def test_the_offices_own_limit_and_a_calendar_edit_move_the_stored_days(app):
    ids = programme()
    before = db.session.get(Application, ids["endorsed"]).due_on
    with clock.frozen(START + timedelta(days=9)), transaction():
        step_limits.set_limit(f.user("admin"), "application", "initial_review", {"days": 20})
    after = assert_days_agree()[("application", ids["endorsed"])][0]
    assert after > before
    with clock.frozen(START + timedelta(days=9)), transaction():
        set_day(f.user("admin"), {"date": (after - timedelta(days=1)).isoformat(), "kind": "holiday", "name": "停电"})
    moved = assert_days_agree()[("application", ids["endorsed"])][0]
    assert moved > after
    with clock.frozen(START + timedelta(days=9)), transaction():
        step_limits.clear_limit(f.user("admin"), "application", "initial_review")
    assert assert_days_agree()[("application", ids["endorsed"])][0] < moved


def test_an_older_database_gets_its_days_on_upgrade(app):
    programme()
    expected = stored_and_computed()
    db.session.commit()
    db.session.remove()
    downgrade(revision="0015_delegation_versions")
    upgrade(revision="heads")
    db.session.remove()
    assert stored_and_computed() == expected


def reference(actor: User, now: datetime) -> dict:
    """The inbox as the item-by-item rule finds it: (kind, id, on behalf) → (level, steps)."""
    delegation = proxy.in_force(actor) if actor.has_role("office_reviewer") else None
    out = {}
    for kind, k in KINDS.items():
        for who, leader in [(actor, None)] + ([(delegation.leader, delegation.leader)] if delegation else []):
            for entity in db.session.scalars(sa.select(k.model).where(visible_to(who, k.model))):
                steps = available_steps(entity, who, waiting=True)
                if leader is not None:
                    steps = [s for s in steps if s.role == proxy.LEADER_ROLE]
                if steps:
                    out[(kind, entity.id, leader and leader.id)] = (limits.status(kind, entity, now).level,
                                                                    tuple(steps))
    return out


def test_the_inbox_finds_exactly_the_tasks_steps_and_levels_of_the_item_by_item_rule(app):
    """On the day the programme starts, on the days its first deadlines come due and pass, and
    long after, for every user."""
    programme()
    users = list(db.session.scalars(sa.select(User).where(User.active.is_(True))))
    for days_later in (0, 6, 7, 12, 40):
        with clock.frozen(START + timedelta(days=days_later)):
            now = clock.now()
            for actor in users:
                expected = reference(actor, now)
                page = worklists.inbox_page(actor, 1, 100, now)
                shown = {(t.kind, t.entity.id, t.on_behalf and t.on_behalf.id): (t.limit.level, tuple(t.steps))
                         for g in page.groups for t in g.tasks}
                assert shown == expected, (days_later, actor.username)
                levels = [level for level, _steps in expected.values()]
                assert (page.total, page.overdue, page.due_soon) == (
                    len(levels), levels.count(limits.Level.OVERDUE), levels.count(limits.Level.DUE_SOON)), \
                    (days_later, actor.username)


def test_a_list_filtered_by_level_keeps_exactly_the_rows_at_that_level(app):
    """Counted and paged in SQL from the stored days; the same rows as each row's own level."""
    ids = programme()
    office = f.user("office")
    building = db.session.get(Project, ids["building"])
    for days_later in (0, 7, 40):
        at_level_on(office, building, days_later)


def at_level_on(office: User, building: Project, days_later: int) -> None:
    with clock.frozen(START + timedelta(days=days_later)):
        everything = {"application": applications.list_applications(office, ApplicationFilters(), 1, 100).items,
                      "project": projects.list_projects(office, 1, 100).items,
                      "acceptance": projects.list_acceptances(office, per_page=100).items}
        shown = next(p for p in everything["project"] if p.id == building.id)
        assert shown.time_limit.deadline.astimezone(clock.BEIJING).date() == building.ends_on
        for level in limits.FILTER_LEVELS:
            expected = {kind: sorted(r.id for r in rows if r.time_limit.level.value == level)
                        for kind, rows in everything.items()}
            found = {"application": applications.list_applications(office, ApplicationFilters(level=level), 1, 100),
                     "project": projects.list_projects(office, 1, 100, level=level),
                     "acceptance": projects.list_acceptances(office, per_page=100, level=level)}
            assert {kind: sorted(r.id for r in page.items) for kind, page in found.items()} == expected, level
            assert {kind: page.total for kind, page in found.items()} == {k: len(v) for k, v in expected.items()}


def test_a_lists_row_shows_the_deadline_and_level_of_the_item_by_item_rule(app):
    """A list reads each row's deadline from its stored day (no history); on every day it is
    the deadline and level ``limits.status`` computes from the item's history."""
    programme()
    for days_later in (0, 6, 7, 12, 40):
        with clock.frozen(START + timedelta(days=days_later)):
            now = clock.now()
            for kind, k in KINDS.items():
                rows = list(db.session.scalars(sa.select(k.model)))
                Timed.of(kind).attach(rows)
                for row in rows:
                    expected = limits.status(kind, row, now)
                    assert (row.time_limit.deadline, row.time_limit.level, row.time_limit.days_left) == (
                        expected.deadline, expected.level, expected.days_left), (days_later, kind, row.id)
