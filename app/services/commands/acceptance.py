"""验收: forming the expert panel, scoring, the chair's conclusion, signing and sealing."""
from __future__ import annotations

import random
import secrets
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import policies
from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import (
    Acceptance,
    AcceptanceScore,
    Domain,
    Expert,
    PanelMember,
    User,
)
from app.models.base import utcnow
from app.policies import panel_membership, panel_seat
from app.schemas import PanelSchema, ScoresSchema, SignatureSchema
from app.services.commands import materials
from app.services.documents import issuing, signatures
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.loading import load_visible
from app.services.reads.expert_pool import eligible_experts, project_domain, specialists
from workflows.acceptance import CRITERIA, AcceptanceState, conclusion_for


def draw_panel(pool: list[Expert], size: int, seed: int, domain: Domain) -> tuple[list[Expert], bool]:
    """``size`` experts drawn from ``pool`` with ``seed``, the first drawn first. At least one is
    a specialist of ``domain`` when the pool has one: if the plain draw has none, its last seat
    goes to a specialist drawn with the same generator. Returns (panel, whether it has one)."""
    rng = random.Random(seed)
    drawn = rng.sample(pool, size)
    matching = specialists(pool, domain)
    if matching and not specialists(drawn, domain):
        drawn[-1] = rng.choice(matching)
    return drawn, bool(matching)


@verb("acceptance", "form_panel", schema=PanelSchema)
def form_panel(actor: User, acceptance_id: int, fields: dict, expected_version: int | None = None) -> Acceptance:
    """Draw an odd panel (≥3) at random with a recorded seed, with a specialist of the project's
    domain when the pool has one; the first drawn chairs it."""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    pool = eligible_experts(acceptance)
    if len(pool) < fields["size"]:
        raise Invalid({"size": str(_l("Only %(n)d experts without a conflict of interest are available.",
                                      n=len(pool)))})
    seed = fields["seed"] if fields["seed"] is not None else secrets.randbits(48)
    domain = project_domain(acceptance)
    drawn, matched = draw_panel(pool, fields["size"], seed, domain)
    fire(acceptance, "form_panel", actor, expected_version=expected_version, changes={"seed": seed},
         payload={"seed": seed, "size": fields["size"], "pool": [e.id for e in pool],
                  "panel": [e.id for e in drawn], "domain": domain.value,
                  "specialists": [e.id for e in specialists(pool, domain)], "specialist_drawn": matched})
    db.session.add_all(PanelMember(acceptance_id=acceptance.id, expert_id=e.id, position=i, is_chair=(i == 0))
                       for i, e in enumerate(drawn))
    db.session.flush()
    db.session.expire(acceptance, ["panel", "members"])
    return acceptance


@verb("acceptance", "declare")
def declare(actor: User, acceptance_id: int, fields: dict, expected_version: int | None = None) -> Acceptance:
    """回避声明: the expert declares they have no conflict of interest with the project; only
    then do they see the materials and the scores and may score."""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    fire(acceptance, "declare", actor, opinion=fields["opinion"], expected_version=expected_version,
         payload={"declaration": "no_conflict"})
    seat = panel_seat(actor, acceptance)
    seat.declaration, seat.declared_at = "no_conflict", utcnow()
    return acceptance


@verb("acceptance", "recuse")
def recuse(actor: User, acceptance_id: int, fields: dict, expected_version: int | None = None) -> Acceptance:
    """The expert recuses with a reason. A replacement is drawn from the rest of the pool with a
    recorded seed (a specialist of the project's domain if the panel would otherwise have none),
    so the panel keeps its odd size; if the chair recused, the first drawn of those still seated
    chairs. With nobody left in the pool the panel stays one short, and the page says so."""
    reason = (fields["opinion"] or "").strip()
    if not reason:
        raise Invalid({"opinion": str(_l("Give the reason for your recusal."))})
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    seat = panel_seat(actor, acceptance)
    taken = {m.expert_id for m in acceptance.panel}
    remaining = [e for e in eligible_experts(acceptance) if e.id not in taken]
    seated = [m for m in acceptance.members if m is not seat]
    domain = project_domain(acceptance)
    seed = secrets.randbits(48)
    replacement = None
    if remaining:
        wanted = specialists(remaining, domain)
        has_specialist = any(domain in m.expert.domains for m in seated)
        replacement = random.Random(seed).choice(wanted if wanted and not has_specialist else remaining)
    was_chair = seat is not None and seat.is_chair
    new_chair = None
    if was_chair and seated:
        new_chair = seated[0]  # members are in draw order: the first drawn still seated
    fire(acceptance, "recuse", actor, opinion=reason, expected_version=expected_version,
         payload={"declaration": "recused", "expert": seat.expert_id if seat else None,
                  "replacement": replacement.id if replacement else None,
                  "seed": seed if replacement else None, "pool": [e.id for e in remaining],
                  "chair": (new_chair.expert_id if new_chair else None), "pool_exhausted": replacement is None})
    seat.declaration, seat.declared_at, seat.recusal_reason = "recused", utcnow(), reason
    if was_chair:
        seat.is_chair = False
        if new_chair is not None:
            new_chair.is_chair = True
    if replacement is not None:
        position = max(m.position for m in acceptance.panel) + 1
        db.session.add(PanelMember(acceptance_id=acceptance.id, expert_id=replacement.id, position=position,
                                   is_chair=was_chair and new_chair is None, replaces_id=seat.id,
                                   draw_seed=seed))
    db.session.flush()
    db.session.expire(acceptance, ["panel", "members"])
    return acceptance


@verb("acceptance", "fill_seats")
def fill_seats(actor: User, acceptance_id: int, fields: dict, expected_version: int | None = None) -> Acceptance:
    """补选专家: each seat that a recusal left vacant (nobody was left in the pool) gets an expert
    drawn with a recorded seed from the pool as it is now (an admin has added or reactivated
    experts), without conflicts of interest and nobody drawn for this round before; with a
    specialist of the project's domain among them (``draw_panel``) when no seated expert is one;
    the first drawn chairs when nobody seated does. Refused, writing nothing, while the pool still
    has nobody to draw."""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    policies.require("office_reviewer", actor, acceptance)
    vacant = acceptance.vacant_seats
    taken = {m.expert_id for m in acceptance.panel}
    remaining = [e for e in eligible_experts(acceptance) if e.id not in taken]
    if vacant and not remaining:
        raise Conflict(str(_l("Nobody in the expert pool is free to sit on this panel: add experts to the "
                              "pool (or reactivate some) first.")))
    seated, domain, seed = acceptance.members, project_domain(acceptance), secrets.randbits(48)
    count = min(len(vacant), len(remaining))
    if not count:
        drawn = []
    elif any(domain in m.expert.domains for m in seated):
        drawn = random.Random(seed).sample(remaining, count)
    else:  # as the panel's own draw: a specialist among them when the pool has one
        drawn, _matched = draw_panel(remaining, count, seed, domain)
    chairs = bool(drawn) and not any(m.is_chair for m in seated)
    fire(acceptance, "fill_seats", actor, expected_version=expected_version,
         payload={"seed": seed, "pool": [e.id for e in remaining], "vacant": [m.expert_id for m in vacant],
                  "drawn": [e.id for e in drawn], "chair": drawn[0].id if chairs else None})
    position = max(m.position for m in acceptance.panel) + 1
    db.session.add_all(PanelMember(acceptance_id=acceptance.id, expert_id=expert.id, position=position + i,
                                   is_chair=chairs and i == 0, replaces_id=seat.id, draw_seed=seed)
                       for i, (seat, expert) in enumerate(zip(vacant, drawn)))
    db.session.flush()
    db.session.expire(acceptance, ["panel", "members"])
    return acceptance


@verb("acceptance", "submit_scores", schema=ScoresSchema)
def submit_scores(actor: User, acceptance_id: int, fields: dict,
                  expected_version: int | None = None) -> Acceptance:
    """One expert's score and comment for every criterion (``ScoresSchema`` requires each,
    from 0 to its maximum)."""
    scores = fields["scores"]
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    fire(acceptance, "submit_scores", actor, expected_version=expected_version,
         payload={k: {"score": scores[k]["score"]} for k, *_ in CRITERIA})
    member = panel_membership(actor, acceptance)
    for key, *_ in CRITERIA:
        db.session.add(AcceptanceScore(acceptance_id=acceptance.id, expert_id=member.expert_id, criterion=key,
                                       score=scores[key]["score"], comment=scores[key]["comment"]))
    member.scored_at = utcnow()
    return acceptance


def panel_average(acceptance: Acceptance) -> Decimal:
    totals = db.session.execute(
        sa.select(AcceptanceScore.expert_id, sa.func.sum(AcceptanceScore.score))
        .where(AcceptanceScore.acceptance_id == acceptance.id).group_by(AcceptanceScore.expert_id)).all()
    if not totals:
        return Decimal(0)
    return (sum(Decimal(t) for _, t in totals) / len(totals)).quantize(Decimal("0.01"))


@verb("acceptance", "conclude")
def conclude(actor: User, acceptance_id: int, fields: dict, expected_version: int | None = None) -> Acceptance:
    """The chair records the panel's conclusion, computed from the experts' scores."""
    opinion = fields["opinion"]
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    average = panel_average(acceptance)  # the database insists on it before signing
    conclusion = conclusion_for(average)
    fire(acceptance, "conclude", actor, opinion=opinion, expected_version=expected_version,
         payload={"average": average, "conclusion": conclusion},
         changes={"average_score": average, "conclusion": conclusion,
                  "conditions": opinion if conclusion == "conditional" else ""})
    issuing.reserve("acceptance_report", acceptance, actor)  # numbered now, rendered by a job: signed next
    return acceptance


def prepare_signature(actor: User, acceptance_id: int, fields: dict) -> signatures.SignPlan:
    """What the expert's signature needs; it is made before the deciding transaction."""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    policies.require("panel_member_yet_to_sign", actor, acceptance)
    member = panel_membership(actor, acceptance)
    return signatures.expert_signature(acceptance, member, actor, fields["password"])


@verb("acceptance", "sign_report", schema=SignatureSchema, prepare=prepare_signature)
def sign_report(actor: User, acceptance_id: int, fields: dict, expected_version: int | None = None,
                prepared: signatures.Signed | None = None) -> Acceptance:
    """One panel expert signs the acceptance report (the chair last) with their own key,
    unlocked by their password: a PAdES signature in their field, made by ``prepare_signature``
    outside the transaction; this records it, if nobody signed in between."""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    fire(acceptance, "sign_report", actor, expected_version=expected_version)
    member = panel_membership(actor, acceptance)
    signatures.record_signature(prepared, actor, f"signed {issuing.expert_field(member.position)} by {actor.username}")
    member.signed_at = utcnow()
    return acceptance


@verb("acceptance", "seal_report")
def seal_report(actor: User, acceptance_id: int, fields: dict,
                expected_version: int | None = None) -> Acceptance:
    """The office confirms the signed report; a job applies the Information Office's own seal
    (its organisation certificate), a final signature forbidding further change. A pass moves
    the project on to evaluation."""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    fire(acceptance, "seal_report", actor, opinion=fields["opinion"], expected_version=expected_version,
         payload={"conclusion": acceptance.conclusion, "average": acceptance.average_score})
    signatures.seal_request(acceptance)
    if acceptance.state in (AcceptanceState.PASSED, AcceptanceState.PASSED_WITH_CONDITIONS):
        fire(acceptance.project, "complete_acceptance", actor, payload={"acceptance_id": acceptance.id})
    return acceptance


@verb("acceptance", "request_reacceptance")
def request_reacceptance(actor: User, acceptance_id: int, fields: dict,
                         expected_version: int | None = None) -> Acceptance:
    """After rectifying a failed acceptance the agency asks again: a new round, a new panel."""
    opinion = fields["opinion"]
    failed = load_visible(Acceptance, acceptance_id, actor)
    fire(failed, "request_reacceptance", actor, opinion=opinion, expected_version=expected_version)
    again = Acceptance(project_id=failed.project_id, round=failed.round + 1, summary=opinion)
    db.session.add(again)
    db.session.flush()
    materials.carry_over(failed, again)
    return again
