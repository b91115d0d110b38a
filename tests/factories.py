"""Builders that walk items through the lifecycle via the real services (no shortcuts).

Their jobs (mails, notifications, documents) wait in the outbox, pending, as when the worker has
not reached them yet (``queue.held``): most tests need the state, not its side effects, and
running those here was about a third of a service test's time. A test that reads them calls
``deliver()``, which runs them as the worker would, or sets ``HOLD_JOBS`` False. A test's own
steps run their jobs as usual."""
from __future__ import annotations

import functools
import io

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.demo.materials import acceptance_materials, pdf
from app.demo.seed import DEMO_PASSWORD
from app.extensions import db
from app.jobs import queue
from app.models import (
    Acceptance,
    Application,
    Batch,
    MidtermCheck,
    OutboxMessage,
    OutboxStatus,
    PlanItem,
    User,
)
from app.services.commands import acceptance as acceptance_svc
from app.services.commands import (
    applications,
    checks,
    evaluation,
    perform,
    projects,
    review,
)
from app.services.commands import endorsement as escalation
from workflows.acceptance import CRITERIA

HOLD_JOBS = True  # tests of what the jobs make (tests/documents) set it False for the whole test


def holding(build):
    """The factory's jobs wait in the outbox (see the module's docstring)."""
    @functools.wraps(build)
    def held_build(*args, **kwargs):
        if not HOLD_JOBS:
            return build(*args, **kwargs)
        with queue.held():
            return build(*args, **kwargs)
    return held_build


def deliver() -> int:
    """Run every pending job now, in this process, oldest first, as the worker would (those not
    yet due stay); returns how many were handed over."""
    ids = db.session.scalars(sa.select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
                             .order_by(OutboxMessage.id)).all()
    return queue.hand_over(list(ids))


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def demo_batch() -> Batch:
    return db.session.scalar(sa.select(Batch).order_by(Batch.id).limit(1))


def draft_data(**overrides) -> dict:
    item = db.session.scalar(sa.select(PlanItem).order_by(PlanItem.id).limit(1))
    data = {"batch_id": demo_batch().id, "name": "社区综合服务信息平台", "category": "online_service",
            "domain": "social_security", "contact_name": "刘洋", "contact_phone": "0871-65123456",
            "requested_budget": "120.50", "construction_months": 18, "objectives": "提高办事效率",
            "content": "建设社区服务系统", "expected_benefits": "群众少跑腿", "plan_item_id": item.id,
            "off_plan_justification": ""}
    data.update(overrides)
    return data


@holding
def draft(applicant: str = "wuhua_applicant", **overrides) -> int:
    with transaction():
        return applications.create_application(user(applicant), draft_data(**overrides)).id


@holding
def submitted(applicant: str = "wuhua_applicant", **overrides) -> int:
    app_id = draft(applicant, **overrides)
    with transaction():
        applications.submit_application(user(applicant), app_id)
    return app_id


@holding
def endorsed(applicant: str = "wuhua_applicant", **overrides) -> int:
    """Submitted and endorsed by every office on its route: now in 初审."""
    app_id = submitted(applicant, **overrides)
    while True:
        app = db.session.get(Application, app_id)
        db.session.refresh(app)
        if app.current_endorsement is None:
            return app_id
        office = db.session.scalar(sa.select(User).where(User.organisation_id == app.current_endorsement.office_id))
        with transaction():
            place = escalation.next_place(app.current_endorsement.office_id, app.batch_id)
            escalation.endorse(office, app_id, {"opinion": "同意上报", "ranking": place})


@holding
def in_re_review(applicant: str = "wuhua_applicant", **overrides) -> int:
    app_id = endorsed(applicant, **overrides)
    with transaction():
        perform(user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    with transaction():
        perform(user("leader"), "application", app_id, "leader_approve", {"opinion": "同意"})
    return app_id


@holding
def awaiting_approval(applicant: str = "wuhua_applicant", **overrides) -> int:
    app_id = in_re_review(applicant, **overrides)
    for name in ("fgw", "czt", "xxb"):
        with transaction():
            review.record_joint_opinion(user(name), app_id, {"recommendation": "approve", "opinion": "同意"})
    with transaction():
        perform(user("office"), "application", app_id, "re_review_approve", {"opinion": "复审通过"})
    return app_id


@holding
def returned_by_re_review(applicant: str = "wuhua_applicant", **overrides) -> int:
    """复审退回修改: every joint reviewer asks for revision and the office returns it."""
    app_id = in_re_review(applicant, **overrides)
    for name in ("fgw", "czt", "xxb"):
        with transaction():
            review.record_joint_opinion(user(name), app_id, {"recommendation": "return", "opinion": "需修改"})
    with transaction():
        perform(user("office"), "application", app_id, "re_review_return", {"opinion": "请按复审意见修改"})
    return app_id


@holding
def project(applicant: str = "wuhua_applicant", **overrides) -> int:
    app_id = awaiting_approval(applicant, **overrides)
    with transaction():
        return projects.approve_project(user("leader"), app_id, {
            "opinion": "批准立项", "approved_budget": "100", "construction_months": 12}).id


@holding
def in_acceptance(applicant: str = "wuhua_applicant", **overrides) -> tuple[int, int]:
    """A project whose mid-term check passed and whose acceptance is requested: (project, acceptance)."""
    project_id = project(applicant, **overrides)
    with transaction():
        checks.open_checks(user("office"), clock.today().year)
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))
    with transaction():
        checks.submit_progress_report(user(applicant), check_id, {"report": "进展顺利"})
    with transaction():
        checks.pass_check(user("office"), check_id, {"opinion": "通过"})
    with transaction():
        acc = projects.request_acceptance(user(applicant), project_id, {"summary": "已完成建设",
                                                                   "materials": acceptance_materials()})
    return project_id, acc.id


@holding
def panel(acceptance_id: int, seed: int = 7, declare: bool = True) -> list[tuple[User, bool]]:
    """Form the panel; with ``declare`` each expert then declares no conflict of interest."""
    with transaction():
        acceptance_svc.form_panel(user("office"), acceptance_id, {"size": 3, "seed": seed})
    acc = db.session.get(Acceptance, acceptance_id)
    members = [(m.expert.user, m.is_chair) for m in acc.members]
    for expert, _ in members if declare else ():
        with transaction():
            acceptance_svc.declare(expert, acceptance_id, {})
    return members


def full_scores(fraction: float = 0.9) -> dict:
    return {"scores": {k: {"score": str(round(m * fraction, 1)), "comment": "好"}
                       for k, _zh, _en, m in CRITERIA}}


@holding
def accepted(applicant: str = "wuhua_applicant", fraction: float = 0.9) -> tuple[int, int]:
    """A project through a passed acceptance (scored, concluded, signed, sealed)."""
    project_id, acc_id = in_acceptance(applicant)
    members = panel(acc_id)
    for expert, _ in members:
        with transaction():
            acceptance_svc.submit_scores(expert, acc_id, full_scores(fraction))
    chair = next(u for u, c in members if c)
    with transaction():
        acceptance_svc.conclude(chair, acc_id, {"opinion": "同意通过验收"})
    deliver()  # the experts sign the rendered report
    for expert, _ in sorted(members, key=lambda m: m[1]):  # the chair last
        with transaction():
            acceptance_svc.sign_report(expert, acc_id, {"password": DEMO_PASSWORD})
    with transaction():
        acceptance_svc.seal_report(user("office"), acc_id, {})
    return project_id, acc_id


@holding
def graded(applicant: str = "wuhua_applicant", score: str = "92") -> tuple[int, int]:
    project_id, _ = accepted(applicant)
    with transaction():
        ev = evaluation.open_evaluations(user("office"), str(clock.today().year + 1), [project_id])[0]
        ev_id = ev.id
    with transaction():
        evaluation.submit_self_evaluation(user(applicant), ev_id, {"report": "运行良好"})
    with transaction():
        evaluation.score_evaluation(user("office"), ev_id, {"opinion": "评分", "results_score": score,
                                                            "operation_score": score, "promotion_score": score})
    with transaction():
        perform(user("leader"), "evaluation", ev_id, "confirm_grade", {"opinion": "同意"})
    return project_id, ev_id


def acceptance_files() -> dict:
    """The file parts an acceptance request requires, as a web form or a multipart body sends them."""
    return {"materials.completion_report": (io.BytesIO(pdf("Completion report")), "竣工报告.pdf"),
            "materials.financial_audit": (io.BytesIO(pdf("Financial audit")), "财务审计报告.pdf")}
