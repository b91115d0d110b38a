"""The work lists: each user's inbox holds exactly what waits for them, with its deadline; what
they have handled; their notifications; an IT office's endorsement queue."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import Application, MidtermCheck, Project
from app.services.commands import admin, checks, perform
from app.services.commands import endorsement as escalation
from app.services.commands.notifications import mark_notifications_read
from app.services.engine.fire import available_steps
from app.services.reads import inbox as worklists
from tests import factories as f

BEIJING = timezone(timedelta(hours=8))


def tasks(username: str, now: datetime | None = None) -> dict[tuple[str, int], set[str]]:
    """(kind, id) → the triggers the inbox offers for it."""
    return {(t.kind, t.entity.id): {s.trigger for s in t.steps}
            for group in worklists.inbox(f.user(username), now) for t in group.tasks}


def task(username: str, kind: str, entity_id: int, now: datetime | None = None):
    found = [t for g in worklists.inbox(f.user(username), now) for t in g.tasks
             if (t.kind, t.entity.id) == (kind, entity_id)]
    assert len(found) == 1, f"{username} has no single task for {kind} {entity_id}"
    return found[0]


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC timestamps, PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def in_leader_approval(applicant: str) -> int:
    app_id = f.endorsed(applicant)
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    return app_id


def test_each_role_finds_in_its_inbox_exactly_the_items_waiting_for_its_step(app):
    draft = f.draft("wuhua_applicant")
    endorsing = f.submitted("wuhua_applicant")
    initial = f.endorsed("kunming_applicant")
    leader_stage = in_leader_approval("dali_applicant")
    re_review = f.in_re_review("qujing_applicant")
    awaiting = f.awaiting_approval("province_applicant")
    everybody = ("wuhua_applicant", "kunming_applicant", "province_applicant", "wuhua_office", "kunming_office",
                 "qujing_office", "office", "leader", "fgw", "czt", "xxb", "expert1", "admin")
    expected = {
        "wuhua_applicant": {("application", draft): {"submit"}},
        "wuhua_office": {("application", endorsing): {"endorse", "return_to_applicant"}},
        "office": {("application", initial): {"pass_initial_review", "return_for_revision", "refuse"}},
        "leader": {("application", leader_stage): {"leader_approve", "leader_return"},
                   ("application", awaiting): {"approve_project"}},
        **{name: {("application", re_review): {"record_joint_opinion"}} for name in ("fgw", "czt", "xxb")},
    }
    assert {name: tasks(name) for name in everybody} == {name: expected.get(name, {}) for name in everybody}


def test_the_inbox_groups_tasks_by_stage_in_the_order_of_the_flow(app):
    awaiting = f.awaiting_approval("kunming_applicant")
    leader_stage = in_leader_approval("wuhua_applicant")
    groups = worklists.inbox(f.user("leader"))
    assert [(g.kind, g.state.value, [t.entity.id for t in g.tasks]) for g in groups] == [
        ("application", "leader_approval", [leader_stage]), ("application", "project_approval", [awaiting])]


def test_steps_nobody_waits_for_make_no_task(app):
    """Withdrawing, requesting acceptance, terminating, closing and selecting a demonstration are
    open to their users, but nothing waits for them."""
    graded, _ = f.graded("dali_applicant")  # first: its mid-term check would catch the others
    endorsing = f.submitted("kunming_applicant")
    building = f.project("wuhua_applicant")
    offered = {
        ("kunming_applicant", "application", endorsing): "withdraw",
        ("wuhua_applicant", "project", building): "request_acceptance",
        ("leader", "project", building): "terminate",
        ("office", "project", graded): "close",
        ("leader", "project", graded): "select_demonstration",
    }
    for (username, kind, entity_id), trigger in offered.items():
        entity = db.session.get(Project if kind == "project" else Application, entity_id)
        assert trigger in {s.trigger for s in available_steps(entity, f.user(username))}, trigger
        assert (kind, entity_id) not in tasks(username), (username, trigger)
    assert tasks("kunming_applicant") == {} and tasks("wuhua_applicant") == {}


def test_an_item_becomes_overdue_once_the_clock_passes_its_stages_time_limit(app):
    app_id = f.endorsed()
    entered = aware(db.session.get(Application, app_id).stage_entered_at)
    fresh = task("office", "application", app_id, now=entered + timedelta(hours=1))
    assert fresh.deadline is not None and fresh.deadline - entered >= timedelta(days=1)
    assert not fresh.overdue
    assert not task("office", "application", app_id, now=fresh.deadline - timedelta(seconds=1)).overdue
    assert task("office", "application", app_id, now=fresh.deadline + timedelta(seconds=1)).overdue
    assert task("office", "application", app_id, now=entered + timedelta(days=365)).overdue


def test_a_new_stage_starts_a_new_time_limit(app):
    app_id = f.endorsed()
    long_after = aware(db.session.get(Application, app_id).stage_entered_at) + timedelta(days=365)
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    entered = aware(db.session.get(Application, app_id).stage_entered_at)
    leader_task = task("leader", "application", app_id, now=entered + timedelta(hours=1))
    assert not leader_task.overdue and leader_task.deadline > entered
    assert task("leader", "application", app_id, now=long_after + timedelta(days=365)).overdue


def test_a_draft_has_no_time_limit(app):
    app_id = f.draft()
    waiting = task("wuhua_applicant", "application", app_id, now=datetime.now(timezone.utc) + timedelta(days=3650))
    assert waiting.deadline is None and not waiting.overdue


def test_a_rectification_is_overdue_after_its_deadline_day_ends_in_beijing(app):
    project_id = f.project()
    with transaction():
        checks.open_checks(f.user("office"), clock.today().year)
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))
    with transaction():
        checks.submit_progress_report(f.user("wuhua_applicant"), check_id, {"report": "进度滞后"})
    deadline = clock.today() + timedelta(days=20)
    with transaction():
        checks.order_rectification(f.user("office"), check_id, {"opinion": "限期整改", "deadline": deadline})
    evening = datetime(deadline.year, deadline.month, deadline.day, 23, 0, tzinfo=BEIJING)
    assert not task("wuhua_applicant", "midterm_check", check_id, now=evening).overdue
    assert task("wuhua_applicant", "midterm_check", check_id, now=evening + timedelta(hours=1, minutes=30)).overdue


def test_handled_lists_the_actors_own_decisions_newest_first_page_by_page(app):
    ids = [f.endorsed("wuhua_applicant"), f.endorsed("kunming_applicant"), f.endorsed("province_applicant")]
    decisions = ("pass_initial_review", "return_for_revision", "refuse")
    for app_id, trigger in zip(ids, decisions):
        with transaction():
            perform(f.user("office"), "application", app_id, trigger, {"opinion": "审查意见"})
    first = worklists.handled(f.user("office"), page=1, per_page=2)
    second = worklists.handled(f.user("office"), page=2, per_page=2)
    assert (first.total, first.pages, second.page) == (3, 2, 2)
    assert [(r.trigger, r.entity_id) for r in first.items + second.items] == list(zip(decisions, ids))[::-1]
    assert {r.actor_id for r in first.items + second.items} == {f.user("office").id}


@pytest.mark.usefixtures("factory_jobs")
def test_the_applicant_is_notified_of_every_decision_on_its_items_but_not_of_its_own(app):
    app_id = f.endorsed("wuhua_applicant")  # created and submitted by the applicant, endorsed twice
    with transaction():
        perform(f.user("office"), "application", app_id, "return_for_revision", {"opinion": "请补充"})
    applicant = f.user("wuhua_applicant")
    first = worklists.notifications(applicant, page=1, per_page=2)
    second = worklists.notifications(applicant, page=2, per_page=2)
    assert (first.total, first.pages) == (3, 2)
    assert [n.params["trigger"] for n in first.items + second.items] == [
        "return_for_revision", "endorse", "endorse"]
    assert worklists.notifications(f.user("kunming_applicant")).total == 0
    with transaction():
        assert mark_notifications_read(applicant) == 3
    with transaction():
        assert mark_notifications_read(applicant) == 0


def test_the_endorsement_queue_shows_only_what_waits_at_the_offices_own_level(app):
    county = f.submitted("wuhua_applicant")  # 五华区 office, then 昆明市 office
    prefecture = f.submitted("kunming_applicant")  # 昆明市 office only
    elsewhere = f.submitted("qujing_applicant")

    def queue(username):
        return [a.id for a in worklists.endorsement_queue(f.user(username))]

    assert (queue("wuhua_office"), queue("kunming_office"), queue("qujing_office")) == (
        [county], [prefecture], [elsewhere])
    with transaction():
        escalation.endorse(f.user("wuhua_office"), county, {"opinion": "同意上报", "ranking": 1})
    assert (queue("wuhua_office"), queue("kunming_office")) == ([], [county, prefecture])
    for office in ("wuhua_office", "kunming_office", "qujing_office"):
        in_inbox = {entity_id for (kind, entity_id), steps in tasks(office).items() if "endorse" in steps}
        assert set(queue(office)) == in_inbox, office


def test_a_stages_deadline_counts_working_days_on_the_official_calendar(app):
    """Endorsing allows 10 working days: from 30 September 2026 the National Day holidays do not
    count and Saturday 10 October (调休) does, so the stage is due at the end of 20 October."""
    entered = datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING)
    with clock.frozen(entered):
        app_id = f.submitted()
    due = task("wuhua_office", "application", app_id, now=entered).deadline
    assert due.astimezone(BEIJING).date() == date(2026, 10, 20)
    assert not task("wuhua_office", "application", app_id, now=datetime(2026, 10, 20, 23, 0, tzinfo=BEIJING)).overdue
    assert task("wuhua_office", "application", app_id, now=datetime(2026, 10, 21, 0, 1, tzinfo=BEIJING)).overdue


def test_a_user_moved_to_another_agency_or_given_other_roles_finds_their_new_inbox_at_once(app):
    """The inbox keeps its SQL per actor's scope (``reads/inbox._plan``): what the administrator
    changes of a user is in their very next inbox."""
    mine, theirs = f.draft("wuhua_applicant"), f.draft("kunming_applicant")
    moved = f.user("wuhua_applicant")
    assert tasks("wuhua_applicant") == {("application", mine): {"submit"}}
    other = f.user("kunming_applicant").organisation.code
    with transaction():
        admin.update_user(f.user("admin"), moved.id, {"display_name": moved.display_name,
                                                      "organisation_code": other, "roles": ["applicant"]})
    assert tasks("wuhua_applicant") == {("application", theirs): {"submit"}}
    with transaction():
        admin.update_user(f.user("admin"), moved.id, {"display_name": moved.display_name,
                                                      "organisation_code": other, "roles": ["expert"]})
    assert tasks("wuhua_applicant") == {}


def test_a_draft_leaves_the_inbox_the_day_after_its_batch_closes(app):
    """Submitting waits on the batch's filing window, which the kept SQL reads as of its day."""
    draft = f.draft("wuhua_applicant")
    closes = db.session.get(Application, draft).batch.closes_on
    clock.set_now(datetime.combine(closes, time(12), BEIJING))
    assert tasks("wuhua_applicant") == {("application", draft): {"submit"}}
    clock.set_now(datetime.combine(closes + timedelta(days=1), time(12), BEIJING))
    assert tasks("wuhua_applicant") == {}


def test_an_app_keeps_the_inbox_of_a_bounded_number_of_scopes_dropping_the_least_recently_used(app, monkeypatch):
    monkeypatch.setattr(worklists.PLANS, "size", 2)
    names = ("wuhua_applicant", "kunming_applicant", "dali_applicant", "office", "leader")
    first = {name: tasks(name) for name in names}
    plans = worklists.PLANS.entries()
    assert len(plans) == 2
    for name in ("office", "wuhua_applicant", "office", "leader"):  # the agency is now the least recent
        tasks(name)
    assert {key[0][0] for key in plans} == {f.user("office").id, f.user("leader").id}  # (scope_key: the user first)
    assert {name: tasks(name) for name in reversed(names)} == first and len(plans) == 2
