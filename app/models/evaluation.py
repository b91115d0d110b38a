"""Periodic performance evaluations (绩效评估) and demonstration publications."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, enum_column, utcnow
from app.models.project import Project
from workflows.evaluation import EvaluationState, Grade


class Evaluation(db.Model):
    __tablename__ = "evaluations"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "period", name="one_per_period"),
        sa.CheckConstraint("state <> 'graded' OR grade IS NOT NULL", name="graded_has_grade"),
        sa.CheckConstraint("state IN ('opened','self_evaluated') OR total_score IS NOT NULL",
                           name="scored_has_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(16))
    state: Mapped[EvaluationState] = mapped_column(
        enum_column(EvaluationState), default=EvaluationState.OPENED, index=True)
    version: Mapped[int] = mapped_column(default=1)
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")  # the flow's version it follows
    self_report: Mapped[str] = mapped_column(sa.Text, default="")
    results_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    operation_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    promotion_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    total_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, 16))
    opened_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    graded_at: Mapped[datetime | None] = mapped_column(Timestamp)
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    project: Mapped[Project] = relationship()


class DemonstrationPublication(db.Model):
    """A published list of demonstration projects (示范项目名单)."""

    __tablename__ = "demonstration_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    published_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    project_ids: Mapped[list] = mapped_column(sa.JSON)
