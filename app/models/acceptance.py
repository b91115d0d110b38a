"""Acceptance rounds (验收), their expert panels, per-criterion scores and signatures."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, enum_column, utcnow
from app.models.project import Project
from app.models.user import Expert
from workflows.acceptance import AcceptanceState

CONCLUSIONS = ("pass", "conditional", "fail")


class Acceptance(db.Model):
    __tablename__ = "acceptances"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "round", name="one_per_round"),
        sa.CheckConstraint("conclusion IS NULL OR conclusion IN ('pass','conditional','fail')",
                           name="conclusion_known"),
        sa.CheckConstraint("state IN ('requested','re_requested','scoring') OR conclusion IS NOT NULL",
                           name="concluded_after_scoring"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    state: Mapped[AcceptanceState] = mapped_column(
        enum_column(AcceptanceState), default=AcceptanceState.REQUESTED, index=True)
    version: Mapped[int] = mapped_column(default=1)
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")  # the flow's version it follows
    summary: Mapped[str] = mapped_column(sa.Text, default="")  # the applicant's completion summary
    seed: Mapped[int | None] = mapped_column(sa.BigInteger)
    average_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    conclusion: Mapped[str | None] = mapped_column(sa.String(12))
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    requested_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due

    project: Mapped[Project] = relationship()
    # Everyone ever drawn for this round, recused experts included (the declarations' record).
    panel: Mapped[list[PanelMember]] = relationship(
        order_by="PanelMember.position", cascade="all, delete-orphan", overlaps="members")
    # The panel that scores, concludes and signs: those drawn who have not recused.
    members: Mapped[list[PanelMember]] = relationship(
        primaryjoin="and_(PanelMember.acceptance_id == Acceptance.id, "
                    "or_(PanelMember.declaration.is_(None), PanelMember.declaration != 'recused'))",
        order_by="PanelMember.position", viewonly=True)

    @property
    def vacant_seats(self) -> list[PanelMember]:
        return vacant_seats(self.panel)


DECLARATIONS = ("no_conflict", "recused")


def vacant_seats(panel: list[PanelMember]) -> list[PanelMember]:
    """The seats of ``panel`` (everyone drawn) left empty: recused, and nobody drawn to replace
    them (the pool had nobody left at the time)."""
    replaced = {m.replaces_id for m in panel}
    return [m for m in panel if m.recused and m.id not in replaced]


class PanelMember(db.Model):
    """A seat on a panel. Before seeing scores or scoring, its expert declares (回避声明): no
    conflict of interest, or a recusal with a reason; a recused seat stays on record and its
    replacement (drawn with its own seed) says whom it ``replaces``."""

    __tablename__ = "panel_members"
    __table_args__ = (
        sa.UniqueConstraint("acceptance_id", "expert_id", name="once_per_panel"),
        sa.CheckConstraint("declaration IS NULL OR declaration IN ('no_conflict','recused')",
                           name="declaration_known"),
        sa.CheckConstraint("(declaration IS NULL) = (declared_at IS NULL)", name="declaration_dated"),
        sa.CheckConstraint("declaration IS NULL OR declaration <> 'recused' OR length(recusal_reason) > 0",
                           name="recusal_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acceptance_id: Mapped[int] = mapped_column(sa.ForeignKey("acceptances.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), index=True)
    position: Mapped[int]
    is_chair: Mapped[bool] = mapped_column(default=False)
    scored_at: Mapped[datetime | None] = mapped_column(Timestamp)
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    declaration: Mapped[str | None] = mapped_column(sa.String(12))
    declared_at: Mapped[datetime | None] = mapped_column(Timestamp)
    recusal_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("panel_members.id"))
    draw_seed: Mapped[int | None] = mapped_column(sa.BigInteger)  # the replacement's own draw

    expert: Mapped[Expert] = relationship()
    replaces: Mapped[PanelMember | None] = relationship(remote_side=[id])

    @property
    def recused(self) -> bool:
        return self.declaration == "recused"


class AcceptanceScore(db.Model):
    __tablename__ = "acceptance_scores"
    __table_args__ = (
        sa.UniqueConstraint("acceptance_id", "expert_id", "criterion", name="one_per_criterion"),
        sa.CheckConstraint("score >= 0", name="score_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acceptance_id: Mapped[int] = mapped_column(sa.ForeignKey("acceptances.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"))
    criterion: Mapped[str] = mapped_column(sa.String(32))
    score: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
