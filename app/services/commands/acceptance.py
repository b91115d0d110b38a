"""验收: forming the expert panel, scoring, the chair's conclusion, signing and sealing."""
from __future__ import annotations

import random
import secrets
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import policies
from app.errors import Invalid
from app.extensions import db
from app.models import (
    Acceptance,
    AcceptanceScore,
    Expert,
    Organisation,
    PanelMember,
    User,
)
from app.models.base import utcnow
from app.policies import panel_membership
from app.schemas import PanelSchema, ScoresSchema, SignatureSchema
from app.services.commands import materials
from app.services.documents import issuing, signatures
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.loading import load_visible
from workflows.acceptance import CRITERIA, AcceptanceState, conclusion_for


def eligible_experts(acceptance: Acceptance) -> list[Expert]:
    """The pool minus conflicts of interest: nobody from the applicant's organisation or division."""
    project = acceptance.project
    return list(db.session.scalars(
        sa.select(Expert).join(User, User.id == Expert.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Expert.active, User.active, User.organisation_id != project.organisation_id,
               Organisation.division_code != project.division_code)
        .order_by(Expert.id)))


@verb("acceptance", "form_panel", schema=PanelSchema)
def form_panel(actor: User, acceptance_id: int, fields: dict, expected_version: int | None = None) -> Acceptance:
    """Draw an odd panel (≥3) at random with a recorded seed; the first drawn chairs it."""
    acceptance = load_visible(Acceptance, acceptance_id, actor)
    pool = eligible_experts(acceptance)
    if len(pool) < fields["size"]:
        raise Invalid({"size": str(_l("Only %(n)d experts without a conflict of interest are available.",
                                      n=len(pool)))})
    seed = fields["seed"] if fields["seed"] is not None else secrets.randbits(48)
    drawn = random.Random(seed).sample(pool, fields["size"])
    fire(acceptance, "form_panel", actor, expected_version=expected_version, changes={"seed": seed},
         payload={"seed": seed, "size": fields["size"], "pool": [e.id for e in pool],
                  "panel": [e.id for e in drawn]})
    acceptance.members.extend(PanelMember(expert_id=e.id, position=i, is_chair=(i == 0))
                              for i, e in enumerate(drawn))
    db.session.flush()
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
