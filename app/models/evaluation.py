"""Periodic performance evaluations (绩效评估) and demonstration publications."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, enum_column, utcnow
from app.models.project import Project
from workflows.demonstration import DemonstrationListState, ObjectionState
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
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due

    project: Mapped[Project] = relationship()


class DemonstrationPublication(db.Model):
    """A list of demonstration projects (示范项目名单): published as a draft for a public notice
    (公示) until ``notice_ends_on`` (a Beijing date, inclusive), then confirmed by a leader.
    Lists published before the notice existed are stored as confirmed without a notice date."""

    __tablename__ = "demonstration_publications"
    __table_args__ = (
        sa.CheckConstraint("state <> 'confirmed' OR confirmed_at IS NOT NULL",
                           name="confirmed_dated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    published_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    project_ids: Mapped[list] = mapped_column(sa.JSON)
    state: Mapped[DemonstrationListState] = mapped_column(
        enum_column(DemonstrationListState), default=DemonstrationListState.NOTICE, server_default="confirmed",
        index=True)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")
    notice_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    confirmed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due

    objections: Mapped[list[DemonstrationObjection]] = relationship(
        back_populates="publication", order_by="DemonstrationObjection.id")


class DemonstrationObjection(db.Model):
    """An objection (异议) filed by anybody, with a contact, during a list's notice period, and
    the Office's answer to it."""

    __tablename__ = "demonstration_objections"
    __table_args__ = (
        sa.CheckConstraint("length(contact) > 0", name="has_contact"),
        sa.CheckConstraint("state <> 'answered' OR (answered_at IS NOT NULL AND length(answer) > 0)",
                           name="answered_has_answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(sa.ForeignKey("demonstration_publications.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"))
    name: Mapped[str] = mapped_column(sa.String(64), default="")
    contact: Mapped[str] = mapped_column(sa.String(128))
    text: Mapped[str] = mapped_column(sa.Text)
    filed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    state: Mapped[ObjectionState] = mapped_column(enum_column(ObjectionState), default=ObjectionState.FILED,
                                                  index=True)
    version: Mapped[int] = mapped_column(default=1)
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due

    publication: Mapped[DemonstrationPublication] = relationship(back_populates="objections")
    project: Mapped[Project | None] = relationship()
