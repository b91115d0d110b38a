"""The demo's history (`flask demo load`): about two programme years told through the real
services, every step taken at its historical moment with the product's clock set back — so the
audit chain, the numbered documents, the time limits (黄牌/红牌), the supervision board and the
dashboard's days-per-stage chart hold real figures on the first sign-in.

- **Last year's batch**: filed in March, decided by early summer (some returned on the way, one
  withdrawn, one not accepted, one rejected by the leader, one at re-review). Its projects are
  in their second year: the scheduler opens this year's mid-term checks on ``MIDTERM_OPENS_ON``;
  some are then accepted by an expert panel (one only at its second round) and evaluated — their
  agencies' grades show beside this year's filings — one is terminated, one has its acceptance
  waiting, one its progress report still unwritten.
- **This year's batch**: applications in every state; those still waiting were filed in the last
  weeks, and some have been waiting longer than their stage's time limit.

Every item is a *scene*: a generator that takes a step, then yields when its next one comes —
working days later on the official calendar, or a moment. ``Timeline`` takes all scenes' steps
in the order of their moments, so document numbers, audit records and checkpoints follow the
history; a step whose moment has not yet come is not taken.
"""
from __future__ import annotations

import heapq
import random
import time as timer
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.demo.lifecycle import (
    Report,
    acceptance_steps,
    act,
    awaiting_endorser,
    demo_user,
    draft_fields,
    step,
)
from app.demo.materials import acceptance_materials
from app.demo.seed import year_batch
from app.extensions import db
from app.jobs import periodic
from app.models import (
    Acceptance,
    Application,
    Evaluation,
    MidtermCheck,
    PlanItem,
    Project,
    User,
)
from app.services.commands import acceptance as acc_svc
from app.services.commands import (
    applications,
    checks,
    evaluation,
    projects,
    review,
)
from app.services.commands import endorsement as escalation
from app.services.commands.notifications import mark_notifications_read
from app.services.commands.openings import midterm_opening
from app.services.time import calendar
from workflows.acceptance import AcceptanceState

Wait = int | datetime  # working days until the next step (0: later the same day), or a moment
SEED = 2025


def programme_years(now: datetime) -> tuple[int, int]:
    """(last year, this year) of the story told at ``now``: this year is the one whose spring
    filings have had time to be decided (ten months back), so both batches lie in the past."""
    this = (now - timedelta(days=305)).astimezone(clock.BEIJING).year
    return this - 1, this


def already_told() -> int:
    """How many applications the database holds (the story is told only into an empty one)."""
    return db.session.scalar(sa.select(sa.func.count(Application.id)))


class Timeline:
    """Takes every scene's steps in the order of their moments, up to ``end`` (now)."""

    def __init__(self, end: datetime, rng: random.Random) -> None:
        self.end, self.rng = end, rng
        self._queue: list[tuple[datetime, int, Iterator[Wait]]] = []
        self._added = 0

    def add(self, at: datetime, scene: Iterator[Wait]) -> None:
        if at < self.end:
            heapq.heappush(self._queue, (at, self._added, scene))
            self._added += 1

    def run(self) -> None:
        while self._queue:
            at, _, scene = heapq.heappop(self._queue)
            clock.set_now(at)
            try:
                wait = next(scene)
            except StopIteration:
                continue
            self.add(self.after(at, wait), scene)

    def office_hours(self, day: date) -> datetime:
        """A moment between 09:00 and 17:00 Beijing time on ``day``."""
        start = datetime.combine(day, time(9, 0), clock.BEIJING)
        return start + timedelta(minutes=self.rng.randint(0, 8 * 60))

    def after(self, at: datetime, wait: Wait) -> datetime:
        if isinstance(wait, datetime):
            return max(wait, at + timedelta(minutes=10))
        if wait <= 0:
            return at + timedelta(minutes=self.rng.randint(15, 90))
        return self.office_hours(calendar.add_working_days(at.astimezone(clock.BEIJING).date(), wait))

    def days_ago(self, n: int) -> datetime:
        """Office hours on the ``n``-th working day before the end (the moment of telling)."""
        day = self.end.astimezone(clock.BEIJING).date()
        while n > 0:
            day -= timedelta(days=1)
            n -= calendar.is_working_day(day)
        return self.office_hours(day)


@dataclass(frozen=True)
class Filing:
    """One application's story: who files it, where it stops, and what happens on the way."""

    applicant: str
    # the state it ends in, or "endorsing_up" (waiting on its second endorser), or
    # "rejected_at_re_review" (rejected by the office after the joint reviewers' opinions)
    fate: str
    bounce: bool = False  # its first endorser returns it once, then it is resubmitted
    revise: bool = False  # initial review returns it once, then it is resubmitted
    off_plan: bool = False  # outside the plan: the leader's override comes before initial review
    pace: int = 3  # working days each desk takes
    slow_leader: bool = False  # the leader takes longer than the limit (a late, closed episode)
    project: str | None = None  # the approved project's plot in its second year (Story._project)
    months: int = 24  # construction period


class Story:
    """The cast (the demo accounts), the scenes of both batches, and the timeline they run on."""

    def __init__(self, now: datetime, report: Report) -> None:
        self.now, self.report = now, report
        self.rng = random.Random(SEED)
        self.timeline = Timeline(now, self.rng)
        self.last, self.this = programme_years(now)
        self.office, self.leader = demo_user("office"), demo_user("leader")
        self.joint = [demo_user(u) for u in ("fgw", "czt", "xxb")]
        self.plan_items = list(db.session.scalars(sa.select(PlanItem).order_by(PlanItem.id)))
        self.filed = 0

    # -- the cast --------------------------------------------------------------------------------
    def act(self, fn, *args):
        return act(self.report, fn, *args)

    def step(self, actor: User, kind: str, entity_id: int, trigger: str, opinion: str, **data):
        return step(self.report, actor, kind, entity_id, trigger, {"opinion": opinion, **data})

    def applicant_of(self, organisation_id: int) -> User:
        return db.session.scalar(sa.select(User).where(User.organisation_id == organisation_id)
                                 .order_by(User.id))

    def working_day(self, year: int, month: int, day: int, n: int) -> datetime:
        """Office hours on the (n+1)-th working day after the date."""
        return self.timeline.office_hours(calendar.add_working_days(date(year, month, day), n + 1))

    # -- an application ----------------------------------------------------------------------------
    def file(self, start: datetime, filing: Filing) -> None:
        self.filed += 1
        self.timeline.add(start, self._application(self.filed, filing))

    def _application(self, n: int, f: Filing) -> Iterator[Wait]:
        batch_id = self._batch(clock.today().year)  # filed into the batch open that day
        applicant, office, leader = demo_user(f.applicant), self.office, self.leader
        fields = draft_fields(n, batch_id, self.plan_items, off_plan=f.off_plan)
        fields["requested_budget"] = str(60 + self.rng.randint(0, 56) * 5)
        app_id = self.act(applications.create_application, applicant, fields)
        if f.fate == "draft":
            return
        yield self.rng.randint(1, 3)
        self.act(applications.submit_application, applicant, app_id)
        if f.fate == "withdrawn":
            yield 4
            self.step(applicant, "application", app_id, "withdraw", "单位建设计划调整，撤回申报。")
            return
        level = 0
        while (endorser := awaiting_endorser(app_id)) is not None:
            if (f.fate, level) in (("endorsing", 0), ("endorsing_up", 1)):
                return
            yield f.pace
            if level == 0 and (f.bounce or f.fate == "returned_by_endorser"):
                self.step(endorser, "application", app_id, "return_to_applicant", "请补充建设方案和分年度预算。")
                if f.fate == "returned_by_endorser":
                    return
                yield f.pace + 2
                self.act(applications.resubmit_application, applicant, app_id, {"opinion": "已补充建设方案。"})
                yield f.pace
            place = escalation.next_place(endorser.organisation_id, db.session.get(Application, app_id).batch_id)
            self.act(escalation.endorse, endorser, app_id, {"opinion": "同意推荐上报。", "ranking": place})
            level += 1
        if f.fate == "initial_review":
            return
        if f.off_plan:
            yield 1
            self.act(review.override_plan_gate, leader, app_id, {"opinion": "地方急需，同意规划外特批。"})
        yield f.pace
        if f.revise or f.fate == "returned_by_reviewer":
            self.step(office, "application", app_id, "return_for_revision", "预算明细不全，请补充后重新提交。")
            if f.fate == "returned_by_reviewer":
                return
            yield f.pace + 3
            self.act(applications.resubmit_application, applicant, app_id, {"opinion": "已补充预算明细。"})
            yield f.pace
        if f.fate == "not_accepted":
            self.step(office, "application", app_id, "refuse", "不属于本批次试点范围，不予受理。")
            return
        self.step(office, "application", app_id, "pass_initial_review", "材料齐全，符合申报要求。")
        if f.fate == "leader_approval":
            return
        yield 9 if f.slow_leader else f.pace
        if f.fate == "rejected":
            self.step(leader, "application", app_id, "leader_reject", "与已建系统重复，不予批准。")
            return
        self.step(leader, "application", app_id, "leader_approve", "同意，提交联合复审。")
        rejecting = f.fate == "rejected_at_re_review"
        for k, reviewer in enumerate(self.joint):
            if f.fate == "re_review" and k == 2:
                return
            yield f.pace
            self.act(review.record_joint_opinion, reviewer, app_id,
                     {"recommendation": "reject" if rejecting and k < 2 else "approve",
                      "opinion": "建设内容与已有系统重叠。" if rejecting else "同意立项。"})
        yield f.pace
        if f.fate == "returned_by_re_review":
            self.step(office, "application", app_id, "re_review_return", "请按复审意见调整建设规模。")
            return
        if rejecting:
            self.step(office, "application", app_id, "re_review_reject", "复审未通过。")
            return
        self.step(office, "application", app_id, "re_review_approve", "复审通过。")
        if f.fate == "project_approval":
            return
        yield f.pace
        budget = db.session.scalar(sa.select(Application.requested_budget).where(Application.id == app_id))
        self.act(projects.approve_project, leader, app_id,
                 {"opinion": "批准立项。", "approved_budget": str(budget), "construction_months": f.months})
        if f.project:
            project_id = db.session.scalar(sa.select(Project.id).where(Project.application_id == app_id))
            yield from self._project(project_id, f.project)

    # -- a project in its second year ------------------------------------------------------------------
    def _project(self, project_id: int, plot: str) -> Iterator[Wait]:
        """After 立项: this year's mid-term check (opened by the scheduler), then per ``plot``:
        evaluated (``excellent``, ``good``, ``qualified``, ``scored``), ``accepting``,
        ``check_due``, ``check_report``, ``rectifying``, ``passed``, ``terminated``."""
        project = db.session.get(Project, project_id)
        applicant, office, leader = self.applicant_of(project.organisation_id), self.office, self.leader
        opening = datetime.combine(midterm_opening(self.this), time(7, 0), clock.BEIJING)
        yield opening + timedelta(days=self.rng.randint(6, 20))
        check_id = db.session.scalar(sa.select(MidtermCheck.id).where(
            MidtermCheck.project_id == project_id, MidtermCheck.year == self.this))
        if plot == "check_due":
            return
        if plot == "check_report":
            yield self.timeline.days_ago(4)
        self.act(checks.submit_progress_report, applicant, check_id,
                 {"report": "已完成需求分析、系统开发和试运行，正在推广应用。"})
        if plot == "check_report":
            return
        yield 5
        if plot == "terminated":
            self.act(checks.terminate_from_check, leader, check_id, {"opinion": "建设条件丧失，终止项目。"})
            return
        if plot in ("rectifying", "passed"):
            self.act(checks.order_rectification, office, check_id, {
                "opinion": "进度滞后，限期整改。",
                "deadline": calendar.add_working_days(clock.today(), 40 if plot == "passed" else 60)})
            if plot == "rectifying":
                return
            yield 20
            self.act(checks.submit_rectification, applicant, check_id, {"report": "已按要求完成整改。"})
            yield 6
        self.act(checks.pass_check, office, check_id, {"opinion": "年度检查通过。"})
        if plot == "passed":
            return
        yield self.timeline.days_ago(25) if plot == "accepting" else self.working_day(self.this, 6, 1, 0)
        acc_id = self.act(projects.request_acceptance, applicant, project_id, {"summary": "项目已按批复完成建设。",
                                                                                  "materials": acceptance_materials()})
        if plot == "accepting":
            return
        quality = {"qualified": "low", "scored": "middling"}.get(plot, "high")
        for attempt in (1, 2):
            yield 4
            yield from acceptance_steps(self.report, acc_id, office, self.rng,
                                        quality=quality if attempt == 1 else "high", seed=project_id * 10 + attempt)
            if db.session.scalar(sa.select(Acceptance.state).where(Acceptance.id == acc_id)) != \
                    AcceptanceState.FAILED:
                break
            yield 15
            acc_id = self.act(acc_svc.request_reacceptance, applicant, acc_id, {"opinion": "已整改，申请重新验收。"})
        yield self.working_day(self.this, 9, 7, 0)  # the office opened the year's evaluations the week before
        ev_id = db.session.scalar(sa.select(Evaluation.id).where(Evaluation.project_id == project_id))
        self.act(evaluation.submit_self_evaluation, applicant, ev_id, {"report": "系统运行稳定，已在全市推广。"})
        yield 6
        self.act(evaluation.score_evaluation, office, ev_id, {"opinion": "评分如下。", **SCORES[plot]})
        if plot == "scored":
            return
        yield 3
        self.act(evaluation.confirm_grade, leader, ev_id, {"opinion": "同意评定等级。"})
        yield 10
        if plot == "excellent":
            self.step(leader, "project", project_id, "select_demonstration", "成效显著，拟推荐为示范项目。")
        elif plot == "good":
            self.step(office, "project", project_id, "close", "绩效评估完成，结项。")

    def _openings(self) -> Iterator[Wait]:
        """The scheduler's ticks on the morning this year's checks open, and the office opening
        the year's evaluations of accepted projects in September."""
        with_checks = datetime.combine(midterm_opening(self.this), time(7, 5), clock.BEIJING)
        yield with_checks
        periodic.tick(clock.now())
        yield self.working_day(self.this, 8, 31, 0)
        self.act(evaluation.open_evaluations, self.office, str(self.this))

    # -- the two batches ------------------------------------------------------------------------------
    def tell(self) -> None:
        self.timeline.add(datetime.combine(date(self.last, 12, 31), time(12), clock.BEIJING), self._openings())
        for k, f in enumerate(LAST_YEAR):
            self.file(self.working_day(self.last, 3, 1, k), f)
        for k, f in enumerate(THIS_YEAR_DECIDED):
            self.file(self.working_day(self.this, 3, 6, k), f)
        for days_ago, f in THIS_YEAR_WAITING:
            self.file(self.timeline.days_ago(days_ago), f)
        with silent_mail():
            self.timeline.run()
            clock.set_now(self.timeline.days_ago(1))
            for user in db.session.scalars(sa.select(User).order_by(User.id)).all():
                self.act(mark_notifications_read, user)  # everybody has read the news up to yesterday
        clock.set_now(self.now)
        periodic.tick(self.now)  # today's scheduled jobs: reminders and escalations of what is overdue

    def _batch(self, year: int) -> int:
        with transaction():
            return year_batch(year).id


# Evaluation scores (results 50 %, operation 30 %, promotion 20 %) giving each plot its grade.
SCORES = {
    "excellent": {"results_score": "95", "operation_score": "92", "promotion_score": "90"},
    "good": {"results_score": "86", "operation_score": "82", "promotion_score": "75"},
    "qualified": {"results_score": "70", "operation_score": "66", "promotion_score": "62"},
    "scored": {"results_score": "80", "operation_score": "78", "promotion_score": "70"},
}

W, K, D, Q, P = "wuhua_applicant", "kunming_applicant", "dali_applicant", "qujing_applicant", "province_applicant"
# Last year's batch, filed from 2 March: ten projects, now in their second year, and four that stopped.
LAST_YEAR = (
    Filing(W, "approved", project="excellent", months=12),
    Filing(K, "approved", project="good", months=12, slow_leader=True),
    Filing(D, "approved", project="qualified", months=12, bounce=True),
    Filing(Q, "approved", project="scored", months=12),
    Filing(P, "approved", project="accepting", months=18, off_plan=True),
    Filing(W, "approved", project="check_due", revise=True),
    Filing(K, "approved", project="check_report", pace=5),
    Filing(D, "approved", project="rectifying"),
    Filing(Q, "approved", project="passed", slow_leader=True),
    Filing(P, "approved", project="terminated"),
    Filing(K, "withdrawn"),
    Filing(Q, "not_accepted"),
    Filing(W, "rejected"),
    Filing(D, "rejected_at_re_review"),
)
# This year's batch, filed from 9 March and decided by early summer.
THIS_YEAR_DECIDED = (
    Filing(W, "approved", revise=True),
    Filing(K, "approved"),
    Filing(P, "approved", off_plan=True),
    Filing(Q, "not_accepted"),
    Filing(D, "rejected", slow_leader=True),
    Filing(K, "rejected_at_re_review"),
    Filing(P, "withdrawn"),
)
# This year's latest filings, still waiting: (working days ago filed, filing). The pace and the
# start put some past their stage's limit today (endorsement 10, initial review 7, leader 7…).
THIS_YEAR_WAITING = (
    (2, Filing(Q, "draft")),
    (4, Filing(W, "endorsing")),
    (16, Filing(D, "endorsing", pace=2)),  # overdue at its county office
    (9, Filing(W, "endorsing_up", pace=2)),
    (9, Filing(Q, "returned_by_endorser", pace=2)),
    (7, Filing(K, "initial_review", pace=2)),
    (20, Filing(P, "initial_review")),  # overdue at the office
    (40, Filing(D, "initial_review", bounce=True, pace=4)),  # overdue at the office
    (14, Filing(W, "returned_by_reviewer", pace=2)),
    (12, Filing(Q, "leader_approval", pace=2)),
    (30, Filing(P, "leader_approval", off_plan=True, pace=3)),  # overdue at the leader
    (22, Filing(K, "re_review", pace=2)),
    (35, Filing(D, "returned_by_re_review", pace=3)),
    (36, Filing(P, "project_approval", pace=3)),  # overdue at the leader (立项 within 10)
)


@contextmanager
def silent_mail() -> Iterator[None]:
    """Nobody is mailed about the past: the accounts' addresses are set aside while the history
    is told (its notifications stay in-app), and put back afterwards."""
    with transaction():
        addresses = dict(db.session.execute(sa.select(User.id, User.email).where(User.email.is_not(None))).all())
        db.session.execute(sa.update(User).where(User.id.in_(addresses)).values(email=None))
    try:
        yield
    finally:
        with transaction():
            for user_id, email in addresses.items():
                db.session.execute(sa.update(User).where(User.id == user_id).values(email=email))


def tell_story() -> Report:
    """Tell the two years into a database that has the demo accounts and no application yet."""
    started, report = timer.perf_counter(), Report()
    with clock.frozen(clock.now()) as now:
        Story(now, report).tell()
    report.seconds = timer.perf_counter() - started
    return report
