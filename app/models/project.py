"""Projects (立项), their yearly mid-term checks and follow-on funding requests."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.application import Application
from app.models.base import Timestamp, enum_column, utcnow
from app.models.org import Organisation
from workflows.funding_request import FundingRequestState
from workflows.midterm_check import MidtermCheckState
from workflows.project import ProjectState


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        sa.CheckConstraint("approved_budget >= 0", name="budget_not_negative"),
        sa.CheckConstraint("ends_on > starts_on", name="period_positive"),
        sa.CheckConstraint("state <> 'demonstration' OR demonstration_selected_at IS NOT NULL",
                           name="demonstration_dated"),
        # An endorser's area in the list's order, newest first (policies.visible_to; docs/performance.md).
        sa.Index("ix_projects_prefecture_area", "prefecture_code", "id"),
        sa.Index("ix_projects_division_area", "division_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    division_code: Mapped[str] = mapped_column(sa.String(12))
    prefecture_code: Mapped[str | None] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(128))
    approved_budget: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    state: Mapped[ProjectState] = mapped_column(
        enum_column(ProjectState), default=ProjectState.UNDER_CONSTRUCTION, index=True)
    version: Mapped[int] = mapped_column(default=1)
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")  # the flow's version it follows
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due
    demonstration_selected_at: Mapped[datetime | None] = mapped_column(Timestamp)

    application: Mapped[Application] = relationship()
    organisation: Mapped[Organisation] = relationship()


class MidtermCheck(db.Model):
    __tablename__ = "midterm_checks"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "year", name="one_per_year"),
        sa.CheckConstraint("state <> 'rectifying' OR rectification_deadline IS NOT NULL",
                           name="rectification_has_deadline"),
        sa.CheckConstraint("state = 'due' OR length(progress_report) > 0", name="report_before_conclusion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    year: Mapped[int]
    state: Mapped[MidtermCheckState] = mapped_column(
        enum_column(MidtermCheckState), default=MidtermCheckState.DUE, index=True)
    version: Mapped[int] = mapped_column(default=1)
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")  # the flow's version it follows
    progress_report: Mapped[str] = mapped_column(sa.Text, default="")
    rectification_deadline: Mapped[date | None]
    rectification_report: Mapped[str] = mapped_column(sa.Text, default="")
    opened_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due

    project: Mapped[Project] = relationship()


class FundingRequest(db.Model):
    """A request for follow-on funding (后续资金), a workflow item (workflows/funding_request.py):
    reviewers see the project's evaluations and the agency's grades beside it."""

    __tablename__ = "funding_requests"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("approved_amount IS NULL OR (approved_amount > 0 AND approved_amount <= amount)",
                           name="approved_within_requested"),
        sa.CheckConstraint("state <> 'approved' OR approved_amount IS NOT NULL", name="approval_has_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    purpose: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    state: Mapped[FundingRequestState] = mapped_column(
        enum_column(FundingRequestState), default=FundingRequestState.OFFICE_REVIEW,
        server_default=FundingRequestState.OFFICE_REVIEW.value, index=True)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due
    approved_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    # The leader who let a blocking grade through (the written reason is that step's opinion).
    grade_overridden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    project: Mapped[Project] = relationship()
    organisation: Mapped[Organisation] = relationship()
    attachments: Mapped[list[FundingAttachment]] = relationship(
        order_by="FundingAttachment.id", cascade="all, delete-orphan", passive_deletes=True)


class FundingAttachment(db.Model):
    """A file of a funding request, stored like an application's attachments (content-addressed)."""

    __tablename__ = "funding_attachments"
    __table_args__ = (sa.CheckConstraint("size > 0", name="not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("funding_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    display_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(128))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
