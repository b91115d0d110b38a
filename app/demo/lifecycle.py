"""`flask demo lifecycle`: drive N applications through every stage as the right actors, each
decision in its own transaction, exactly as the web and API would — some returned, some
rejected, some rectified — and count where everything ended."""
from __future__ import annotations

import io
import random
import time
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.demo.materials import acceptance_materials
from app.demo.seed import DEMO_PASSWORD, load_demo, new_batch
from app.errors import Conflict, Denied
from app.extensions import db
from app.models import (
    Acceptance,
    Application,
    AuditRecord,
    DemonstrationPublication,
    Domain,
    Endorsement,
    Evaluation,
    FundingRequest,
    MidtermCheck,
    PlanItem,
    Project,
    User,
)
from app.services.commands import acceptance as acc_svc
from app.services.commands import (
    applications,
    changes,
    checks,
    demonstration,
    evaluation,
    funding,
    perform,
    projects,
    review,
)
from app.services.commands import delegations as delegation_svc
from app.services.commands import endorsement as escalation
from app.services.time.calendar import add_working_days
from workflows.acceptance import CRITERIA, AcceptanceState

APPLICANTS = ("wuhua_applicant", "kunming_applicant", "dali_applicant", "qujing_applicant", "province_applicant")


@dataclass
class DemonstrationRun:
    """What the demonstration 公示 of a lifecycle did: candidates proposed and withdrawn, the
    notice, its objection and answer, and the final list the leader confirmed."""
    proposed: int = 0
    withdrawn: int = 0
    list_id: int | None = None
    notice_ends_on: str = ""
    objections: int = 0
    answered: int = 0
    confirmed: int = 0
    domains: int = 0
    refused: str = ""  # why a step was refused, if one was


@dataclass
class Report:
    states: dict[str, Tally] = field(default_factory=dict)
    quota_refusals: list[str] = field(default_factory=list)
    publication: str = ""
    demonstration: DemonstrationRun | None = None  # the 公示 (run_demonstration)
    ranked: int = 0    # endorsements given a place in their office's ranking
    reranks: int = 0   # applications moved by an office's 重新排序
    summaries: int = 0  # 汇总上报表 issued
    timings: dict[str, list[float]] = field(default_factory=dict)  # verb -> seconds per call
    decisions: int = 0
    seconds: float = 0.0
    change_requests: Tally = field(default_factory=Tally)  # (type, outcome) -> count: 变更/延期申请
    # expert declarations (回避声明): each recusal, with its replacement, in words
    recusals: list[str] = field(default_factory=list)
    declarations: int = 0
    # delegation (代理): the leader's proxy, while designated, and the approvals it entered
    proxy: User | None = None
    proxy_delegation: int | None = None
    proxy_entries: int = 0
    # follow-on funding (_funding): the requests' end states, and each approval a grade refused
    funding: Tally = field(default_factory=Tally)
    funding_blocked: list[str] = field(default_factory=list)


def demo_user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def act(report: Report, fn, *args, label: str | None = None):
    """One decision in its own transaction, timed under ``label`` (default: the verb's name)."""
    started = time.perf_counter()
    with transaction():
        result = fn(*args)
        ident = getattr(result, "id", None)
    report.decisions += 1
    report.timings.setdefault(label or fn.__name__, []).append(time.perf_counter() - started)
    return ident


def step(report: Report, actor: User, kind: str, entity_id: int, trigger: str, data: dict | None = None):
    """One workflow step through the action registry, as the pages and the API take it."""
    return act(report, perform, actor, kind, entity_id, trigger, data, label=trigger)


# The people an agency names as its contact for a proposal (each proposal its own, with a phone).
CONTACTS = ("陈静", "李娜", "王磊", "赵敏", "杨洁", "吴刚", "马丽", "罗斌", "段红梅", "普建华", "字云", "杨春燕")


def draft_fields(i: int, batch_id: int, plan_items: list[PlanItem], off_plan: bool,
                 domain: Domain | None = None) -> dict:
    item = plan_items[i % len(plan_items)]
    return {"batch_id": batch_id, "name": f"{item.name}（试点{i + 1:03d}）", "category": item.category.value,
            "domain": (domain or item.domain).value, "contact_name": CONTACTS[i % len(CONTACTS)],
            "contact_phone": f"0871-65{(i * 7919) % 1000000:06d}",
            "requested_budget": str(80 + (i * 7) % 300), "construction_months": 12 + i % 13,
            "objectives": "提高政务服务效率，推进业务流程再造。", "content": "建设业务应用系统及配套数据库。",
            "expected_benefits": "办事时限缩短三成，数据共享。",
            "plan_item_id": None if off_plan else item.id,
            "off_plan_justification": "该项目为本地区急需，规划编制时尚未列入。" if off_plan else ""}


def awaiting_endorser(app_id: int) -> User | None:
    """The demo endorser of the IT office whose endorsement the application awaits, if any."""
    app = db.session.get(Application, app_id)
    db.session.refresh(app)
    current = app.current_endorsement
    if current is None:
        return None
    return db.session.scalar(sa.select(User).where(User.organisation_id == current.office_id))


def _unplanned_domain(i: int, plan_items: list[PlanItem]) -> Domain | None:
    """Off-plan pilots in the domains no plan item covers, in turn: the demonstration list can
    then cover all 12 domains."""
    unplanned = [d for d in Domain if d not in {item.domain for item in plan_items}]
    return unplanned[(i // 9) % len(unplanned)] if unplanned else None


def _endorse_all(report: Report, app_id: int) -> None:
    """Each office on the route endorses, giving the application the next place in its ranking
    of the batch (an office's places are unique per batch)."""
    app = db.session.get(Application, app_id)
    while (endorser := awaiting_endorser(app_id)) is not None:
        place = escalation.next_place(endorser.organisation_id, app.batch_id)
        act(report, escalation.endorse_many, endorser, {"opinion": "同意推荐上报。", "items": [
            {"id": app_id, "ranking": place, "version": app.version}]}, label="endorse")
        report.ranked += 1
        report.summaries += 1  # each 汇总上报 issues its numbered 汇总上报表


# --- ranking: re-ranked while the province still reviews (part of issue 12) -----------------------
def _rerank_offices(report: Report, batch_id: int) -> None:
    """Every office with two re-rankable applications in the batch swaps its first two places
    (a recorded 重新排序 step per application)."""
    offices = db.session.scalars(sa.select(User).join(Endorsement, Endorsement.office_id == User.organisation_id)
                                 .where(Endorsement.batch_id == batch_id).distinct()).all()
    for endorser in offices:
        movable = [(a, e) for a, e in escalation.office_ranking(endorser, batch_id)
                   if a.state in escalation.RERANK_STATES and e.ranking is not None][:2]
        if len(movable) < 2:
            continue
        (first, one), (second, two) = movable
        act(report, escalation.rerank, endorser, {"opinion": "根据建设条件成熟度调整推荐排序。", "items": [
            {"id": first.id, "ranking": two.ranking}, {"id": second.id, "ranking": one.ranking}]})
        report.reranks += 2


def _application(report: Report, i: int, batch_id: int, plan_items, office, leader, joint) -> None:
    app_id = _file(report, i, batch_id, plan_items)
    if app_id is not None:
        _review(report, i, app_id, office, leader, joint)


def _file(report: Report, i: int, batch_id: int, plan_items) -> int | None:
    """Application ``i`` drafted, submitted and endorsed up to the province (None: withdrawn)."""
    applicant = demo_user(APPLICANTS[i % len(APPLICANTS)])
    fate = i % 30
    off_plan = i % 9 == 4
    app_id = act(report, applications.create_application, applicant,
                 draft_fields(i, batch_id, plan_items, off_plan, _unplanned_domain(i, plan_items) if off_plan else None))
    act(report, applications.submit_application, applicant, app_id)
    if fate == 3:
        step(report, applicant, "application", app_id, "withdraw", {"opinion": "单位调整计划，撤回申报。"})
        return None
    if i % 5 == 0 and db.session.get(Application, app_id).endorsements:
        endorser_org = db.session.get(Application, app_id).current_endorsement.office_id
        endorser = db.session.scalar(sa.select(User).where(User.organisation_id == endorser_org))
        step(report, endorser, "application", app_id, "return_to_applicant", {"opinion": "请补充建设方案。"})
        act(report, applications.resubmit_application, applicant, app_id, {"opinion": "已补充建设方案。"})
    _endorse_all(report, app_id)
    return app_id


def _review(report: Report, i: int, app_id: int, office, leader, joint) -> None:
    """The province's review of application ``i``, from 初审 to 立项 (or its refusal)."""
    applicant = demo_user(APPLICANTS[i % len(APPLICANTS)])
    fate = i % 30
    if i % 7 == 1:
        step(report, office, "application", app_id, "return_for_revision", {"opinion": "预算明细不全，请修改。"})
        act(report, applications.resubmit_application, applicant, app_id, {"opinion": "已补充预算明细。"})
    if fate == 7:
        step(report, office, "application", app_id, "refuse", {"opinion": "不属于试点范围，不予受理。"})
        return
    if db.session.get(Application, app_id).plan_item_id is None:
        act(report, review.override_plan_gate, leader, app_id, {"opinion": "地方急需，同意规划外特批。"})
    step(report, office, "application", app_id, "pass_initial_review", {"opinion": "材料齐全，符合要求。"})
    if fate == 11:
        step(report, leader, "application", app_id, "leader_reject", {"opinion": "与已有系统重复，不予批准。"})
        return
    step(report, _approver(report, i, leader), "application", app_id, "leader_approve", {"opinion": "同意，提交复审。"})
    for reviewer in joint:
        act(report, review.record_joint_opinion, reviewer, app_id,
            {"recommendation": "reject" if fate == 15 else "approve", "opinion": "复审意见。"})
    if fate == 15:
        step(report, office, "application", app_id, "re_review_reject", {"opinion": "复审未通过。"})
        return
    step(report, office, "application", app_id, "re_review_approve", {"opinion": "复审通过。"})
    try:
        act(report, projects.approve_project, leader, app_id,
            {"opinion": "批准立项。", "approved_budget": "100", "construction_months": 12})
    except Conflict as exc:
        report.quota_refusals.append(str(exc))
        step(report, leader, "application", app_id, "leader_reject", {"opinion": f"批次名额已满：{exc}"})


def _project(report: Report, n: int, project_id: int, year: int, office, leader, rng: random.Random) -> None:
    project = db.session.get(Project, project_id)
    applicant = db.session.scalar(sa.select(User).where(User.organisation_id == project.organisation_id))
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id,
                                                                  MidtermCheck.year == year))
    act(report, checks.submit_progress_report, applicant, check_id, {"report": "已完成需求分析和系统开发。"})
    if n % 6 == 0:
        act(report, checks.order_rectification, office, check_id,
            {"opinion": "进度滞后，限期整改。", "deadline": clock.today() + timedelta(days=30)})
        act(report, checks.submit_rectification, applicant, check_id, {"report": "已按要求完成整改。"})
    if n % 25 == 4:
        act(report, checks.terminate_from_check, leader, check_id, {"opinion": "建设条件丧失，终止项目。"})
        return
    act(report, checks.pass_check, office, check_id, {"opinion": "年度检查通过。"})
    acc_id = act(report, projects.request_acceptance, applicant, project_id, {"summary": "项目已按批复完成建设。",
                                                                             "materials": acceptance_materials()})
    quality = {3: "low", 5: "middling"}.get(n % 10, "high")
    for attempt in (1, 2):
        accept_round(report, acc_id, office, rng, quality=quality if attempt == 1 else "high", seed=n * 10 + attempt)
        acc = db.session.get(Acceptance, acc_id)
        db.session.refresh(acc)
        if acc.state != AcceptanceState.FAILED:
            break
        acc_id = act(report, acc_svc.request_reacceptance, applicant, acc_id, {"opinion": "已整改，申请重新验收。"})


SCORE_BANDS = {"low": (0.3, 0.5), "middling": (0.62, 0.76), "high": (0.8, 0.99)}


def accept_round(report: Report, acc_id: int, office, rng: random.Random, *, quality: str, seed: int) -> None:
    for _pause in acceptance_steps(report, acc_id, office, rng, quality=quality, seed=seed):
        pass


def acceptance_steps(report: Report, acc_id: int, office, rng: random.Random, *, quality: str,
                     seed: int) -> Iterator[int]:
    """One acceptance round — the panel, each expert's scores, the chair's conclusion, the
    signatures (the chair last), the Office's seal — pausing between steps: it yields the working
    days until the next one (the demo's history spreads them out; the lifecycle ignores them)."""
    act(report, acc_svc.form_panel, office, acc_id, {"size": 3, "seed": seed})
    yield from declaration_steps(report, acc_id)
    acc = db.session.get(Acceptance, acc_id)
    db.session.refresh(acc)
    members = [(m.expert.user, m.is_chair) for m in acc.members]
    for user, _ in members:
        yield 3
        scores = {key: {"score": str(round(maximum * rng.uniform(*SCORE_BANDS[quality]), 1)),
                        "comment": "符合要求。"} for key, _zh, _en, maximum in CRITERIA}
        act(report, acc_svc.submit_scores, user, acc_id, {"scores": scores})
    chair = next(u for u, is_chair in members if is_chair)
    yield 1
    act(report, acc_svc.conclude, chair, acc_id, {"opinion": "专家组意见：同意验收结论。"})
    for user, _ in sorted(members, key=lambda m: m[1]):  # the chair last
        yield 1
        act(report, acc_svc.sign_report, user, acc_id, {"password": DEMO_PASSWORD})
    yield 2
    act(report, acc_svc.seal_report, office, acc_id, {"password": DEMO_PASSWORD})


# --- expert declarations (回避声明) -------------------------------------------------------------
RECUSAL_REASON = "本人曾参与该项目建设方案的咨询论证，申请回避。"


def declaration_steps(report: Report, acc_id: int) -> Iterator[int]:
    """Each drawn expert declares before scoring. In the run's first panel one member (not the
    chair) recuses instead, and the replacement drawn for them declares in their turn."""
    acc = db.session.get(Acceptance, acc_id)
    if not report.recusals:
        member = next(m for m in acc.members if not m.is_chair)
        yield 1
        act(report, acc_svc.recuse, member.expert.user, acc_id, {"opinion": RECUSAL_REASON})
        db.session.refresh(acc)
        db.session.expire(acc, ["panel", "members"])
        seat = next(m for m in acc.panel if m.id == member.id)
        replacement = next((m for m in acc.panel if m.replaces_id == seat.id), None)
        report.recusals.append(
            f"{acc.project.name} 第{acc.round}轮：{seat.expert.user.display_name} 回避（{seat.recusal_reason}），"
            + (f"替补 {replacement.expert.user.display_name}（随机种子 {replacement.draw_seed}）"
               if replacement else "专家库中已无可替补专家"))
    for m in list(acc.members):
        yield 1
        act(report, acc_svc.declare, m.expert.user, acc_id, {})
        report.declarations += 1


def _evaluate(report: Report, period: str, office, leader, rng: random.Random) -> None:
    act(report, evaluation.open_evaluations, office, period)
    for ev_id, org_id in db.session.execute(sa.select(Evaluation.id, Evaluation.organisation_id)
                                            .where(Evaluation.period == period,
                                                   Evaluation.state == "opened")).all():
        applicant = db.session.scalar(sa.select(User).where(User.organisation_id == org_id))
        act(report, evaluation.submit_self_evaluation, applicant, ev_id, {"report": "系统运行稳定，已在全市推广。"})
        act(report, evaluation.score_evaluation, office, ev_id, {
            "opinion": "评分如下。", "results_score": str(rng.randint(70, 99)),
            "operation_score": str(rng.randint(65, 99)), "promotion_score": str(rng.randint(55, 99))})
        act(report, evaluation.confirm_grade, leader, ev_id, {"opinion": "同意评定等级。"})


def run_lifecycle(count: int, seed: int = 2026) -> Report:
    started = time.perf_counter()
    report = Report()
    rng = random.Random(seed)
    with transaction():
        load_demo()
        year = clock.today().year
        batch = new_batch(f"演示批次 {time.strftime('%Y%m%d-%H%M%S')}-{rng.randint(0, 9999):04d}", year)
        batch_id = batch.id
    office, leader = demo_user("office"), demo_user("leader")
    joint = [demo_user(u) for u in ("fgw", "czt", "xxb")]
    _designate_proxy(report, leader, office)
    plan_items = list(db.session.scalars(sa.select(PlanItem).order_by(PlanItem.id)))
    early = [(i, _file(report, i, batch_id, plan_items)) for i in range(min(count, 2))]
    _rerank_offices(report, batch_id)  # while the first two wait in 初审, the office they share re-ranks them
    for i, app_id in early:
        if app_id is not None:
            _review(report, i, app_id, office, leader, joint)
    for i in range(2, count):
        _application(report, i, batch_id, plan_items, office, leader, joint)
    project_ids = list(db.session.scalars(sa.select(Project.id).where(Project.batch_id == batch_id)
                                          .order_by(Project.id)))
    _change_requests(report, project_ids, office, leader)
    act(report, checks.open_checks, office, year)
    for n, project_id in enumerate(project_ids):
        _project(report, n, project_id, year, office, leader, rng)
    _evaluate(report, str(year + 1), office, leader, rng)
    candidates = propose_demonstrations(report, leader)
    _funding(report, batch_id, str(year + 1), office, leader)
    for project in db.session.scalars(sa.select(Project).where(Project.batch_id == batch_id,
                                                               Project.state == "evaluation")).all()[::2]:
        step(report, office, "project", project.id, "close", {"opinion": "绩效评估完成，结项。"})
    run_demonstration(report, candidates, office, leader)
    _end_delegation(report, leader, batch_id)
    report.seconds = time.perf_counter() - started
    report.states = _tally(batch_id)
    return report


# --- change requests (变更/延期申请) ---------------------------------------------------------------
def _change_requests(report: Report, project_ids: list[int], office, leader) -> None:
    """During construction: an extension approved (the acceptance date moves), a budget increase
    returned for revision, resubmitted and rejected, a change of contact approved."""
    plans = (
        ("extension", lambda p: {"new_ends_on": (p.ends_on + timedelta(days=90)).isoformat()},
         "设备到货延迟，申请延期三个月。", ("approve",)),
        ("budget", lambda p: {"new_budget": str(p.approved_budget + 20)}, "需求增加，申请追加预算。",
         ("return_for_revision", "resubmit", "reject")),
        ("contact", lambda p: {"new_contact_name": "张新", "new_contact_phone": "0871-65111111"}, "原联系人调岗。",
         ("approve",)),
    )
    for project_id, (change_type, values, reason, ending) in zip(project_ids[1::3], plans):
        project = db.session.get(Project, project_id)
        applicant = db.session.scalar(sa.select(User).where(User.organisation_id == project.organisation_id))
        data = {"change_type": change_type, "reason": reason, **values(project)}
        cr_id = act(report, changes.file_change_request, applicant, project_id, data)
        if ending[0] != "return_for_revision":
            step(report, office, "change_request", cr_id, "review", {"opinion": "理由充分，报领导审批。"})
        for trigger in ending:
            who = {"return_for_revision": office, "resubmit": applicant}.get(trigger, leader)
            body = {"opinion": {"approve": "同意。", "reject": "预算不予追加。"}.get(trigger, "请补充测算依据。"),
                    **({k: v for k, v in data.items() if k != "change_type"} if trigger == "resubmit" else {})}
            step(report, who, "change_request", cr_id, trigger, body)
            if trigger == "resubmit":
                step(report, office, "change_request", cr_id, "review", {"opinion": "已补充，报领导审批。"})
        report.change_requests[(change_type, "approved" if ending[-1] == "approve" else "rejected")] += 1
# --- delegation (代理): the leader's proxy enters every fourth 领导审批 on the leader's behalf ---
def _designate_proxy(report: Report, leader: User, proxy: User) -> None:
    """The leader designates the Office reviewer as proxy for the next week (a proxy already
    designated by an earlier run keeps serving)."""
    today = clock.today()
    try:
        report.proxy_delegation = act(report, delegation_svc.designate, leader, {
            "proxy": proxy.username, "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=7)).isoformat()})
    except Conflict:  # an earlier run's delegation is still in force: it serves, and stays
        pass
    report.proxy = proxy


def _approver(report: Report, i: int, leader: User) -> User:
    """Who enters the leader's approval of application ``i``: the proxy for every fourth."""
    return report.proxy if report.proxy is not None and i % 4 == 2 else leader


def _end_delegation(report: Report, leader: User, batch_id: int) -> None:
    """Count what the proxy entered for this batch; the leader revokes the delegation made here."""
    report.proxy_entries = db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(
        AuditRecord.entity_type == "application", AuditRecord.entered_by_id.is_not(None),
        AuditRecord.entity_id.in_(sa.select(Application.id).where(Application.batch_id == batch_id))))
    if report.proxy_delegation is not None:
        act(report, delegation_svc.revoke, leader, report.proxy_delegation)
    report.proxy = None
# --- follow-on funding (后续资金申请) -------------------------------------------------------------
FUNDING_PLAN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FUNDING_REQUESTS = 6  # at most this many evaluated projects ask for follow-on funding


def _funding(report: Report, batch_id: int, period: str, office, leader) -> None:
    """Some evaluated projects ask for follow-on funding: one is re-evaluated 不合格 first, so the
    Office's rule blocks its approval (the refusal is reported) and the leader rejects it; one is
    returned for revision and resubmitted; the others are approved for part of what they ask."""
    evaluated = list(db.session.scalars(sa.select(Project).where(
        Project.batch_id == batch_id, Project.state.in_(("evaluation", "demonstration")))
        .order_by(Project.state.desc(), Project.id).limit(FUNDING_REQUESTS)))  # the evaluation ones first
    for n, project in enumerate(evaluated):
        applicant = db.session.scalar(sa.select(User).where(User.organisation_id == project.organisation_id)
                                      .order_by(User.id))
        if n == 0:  # a re-evaluation finds the pilot has fallen into disuse: 不合格
            ev_id = act(report, lambda: evaluation.open_evaluations(office, f"{period}复评", [project.id])[0],
                        label="open_evaluations")
            act(report, evaluation.submit_self_evaluation, applicant, ev_id, {"report": "系统使用率下降。"})
            act(report, evaluation.score_evaluation, office, ev_id, {
                "opinion": "复评不合格。", "results_score": "40", "operation_score": "50", "promotion_score": "30"})
            act(report, evaluation.confirm_grade, leader, ev_id, {"opinion": "同意评定等级。"})
        amount = 20 + 10 * n
        rid = act(report, funding.file_funding_request, applicant, project.id,
                  {"amount": str(amount), "purpose": "在全州（市）推广应用，扩展二期功能。"},
                  [("funding_plan", "资金使用计划.pdf", io.BytesIO(FUNDING_PLAN))])
        if n == 1:
            step(report, office, "funding_request", rid, "return_funding_request", {"opinion": "请细化资金使用计划。"})
            step(report, applicant, "funding_request", rid, "resubmit_funding_request",
                 {"amount": str(amount), "purpose": "在全州（市）推广应用，扩展二期功能（已细化资金计划）。"})
        step(report, office, "funding_request", rid, "pass_funding_review", {"opinion": "材料齐全，报领导决定。"})
        try:
            step(report, leader, "funding_request", rid, "approve_funding",
                 {"opinion": "同意安排后续资金。", "approved_amount": str(amount * 3 // 4)})
        except Conflict as exc:
            report.funding_blocked.append(f"{project.name}: {exc}")
            step(report, leader, "funding_request", rid, "reject_funding", {"opinion": "绩效评估不合格，暂不安排。"})
    report.funding = Tally(dict(db.session.execute(
        sa.select(FundingRequest.state, sa.func.count()).join(Project, Project.id == FundingRequest.project_id)
        .where(Project.batch_id == batch_id).group_by(FundingRequest.state)).all()))


# --- the demonstration 公示 -------------------------------------------------------------------------
def propose_demonstrations(report: Report, leader: User) -> list[int]:
    """The leader proposes (拟推荐) the shortlist domain by domain — each domain's best first, so
    that every domain with an eligible project is covered — until the places are taken, and
    withdraws one proposal again (the next on the shortlist takes its place)."""
    by_domain: dict = {}
    for project, _ev in demonstration.shortlist():
        by_domain.setdefault(project.application.domain, []).append(project.id)
    ordered = [ids[k] for k in range(max(map(len, by_domain.values()), default=0))
               for ids in by_domain.values() if k < len(ids)]
    run = report.demonstration = DemonstrationRun()
    proposed: list[int] = []
    for project_id in ordered:
        try:
            step(report, leader, "project", project_id, "select_demonstration",
                 {"opinion": "成效显著，拟推荐为示范项目。"})
        except (Conflict, Denied):  # the places are taken
            break
        proposed.append(project_id)
        if len(proposed) == 2 and run.withdrawn == 0:
            step(report, leader, "project", proposed.pop(), "deselect_demonstration",
                 {"opinion": "同一单位项目过多，撤销拟推荐。"})
            run.withdrawn += 1
    run.proposed = len(proposed) + run.withdrawn
    return proposed


def run_demonstration(report: Report, candidates: list[int], office: User, leader: User) -> None:
    """Publish the candidates for public notice, take one objection from the public and the
    Office's answer, then — the demo clock moved past the notice period and put back after —
    the leader confirms the final list: the candidates become 示范项目."""
    run = report.demonstration or DemonstrationRun()
    try:
        list_id = act(report, demonstration.publish_demonstrations, leader, {"opinion": "拟推荐名单予以公示。"})
    except Conflict as exc:
        report.publication = f"not published: {exc}"
        run.refused = str(exc)
        return
    publication = db.session.get(DemonstrationPublication, list_id)
    run.list_id, run.notice_ends_on = list_id, publication.notice_ends_on.isoformat()
    objection_id = act(report, demonstration.file_objection,
                       {"contact": "0871-63100000", "name": "市民", "project_id": candidates[0],
                        "text": "该项目上线时间较短，推广应用情况有待核实。"})
    run.objections += 1
    step(report, office, "demonstration_objection", objection_id, "answer_objection",
         {"opinion": "经核实，该项目已在全市推广使用，绩效评估结果属实。"})
    run.answered += 1
    day = add_working_days(publication.notice_ends_on, 1)  # the notice period is over
    with clock.frozen(datetime(day.year, day.month, day.day, 9, tzinfo=clock.BEIJING)):
        step(report, leader, "demonstration_list", list_id, "confirm_list",
             {"opinion": "公示期满，异议已答复，确认最终名单。"})
    confirmed = list(db.session.scalars(sa.select(Project).where(Project.state == "demonstration")))
    run.confirmed = len(confirmed)
    run.domains = len({p.application.domain for p in confirmed})
    report.publication = f"published list #{list_id}, confirmed with {run.confirmed} projects"


def _tally(batch_id: int) -> dict[str, Tally]:
    q = db.session.execute
    projects_in = sa.select(Project.id).where(Project.batch_id == batch_id)
    return {
        "application": Tally(dict(q(sa.select(Application.state, sa.func.count()).where(
            Application.batch_id == batch_id).group_by(Application.state)).all())),
        "project": Tally(dict(q(sa.select(Project.state, sa.func.count()).where(
            Project.batch_id == batch_id).group_by(Project.state)).all())),
        "midterm_check": Tally(dict(q(sa.select(MidtermCheck.state, sa.func.count()).where(
            MidtermCheck.project_id.in_(projects_in)).group_by(MidtermCheck.state)).all())),
        "acceptance": Tally(dict(q(sa.select(Acceptance.state, sa.func.count()).where(
            Acceptance.project_id.in_(projects_in)).group_by(Acceptance.state)).all())),
        "evaluation": Tally(dict(q(sa.select(Evaluation.grade, sa.func.count()).where(
            Evaluation.project_id.in_(projects_in)).group_by(Evaluation.grade)).all())),
    }
