"""Applications (申报), their endorsement route, re-review opinions and attachments."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, enum_column, utcnow
from app.models.org import Organisation
from app.models.programme import Batch, PlanItem
from app.models.user import User
from app.models.vocabulary import Domain, PilotCategory
from workflows.application import ApplicationState

# Past 初审: an application in these states is in the annual plan or carries a leader's override.
PAST_PLAN_GATE = (ApplicationState.LEADER_APPROVAL, ApplicationState.RE_REVIEW, ApplicationState.RETURNED_BY_RE_REVIEW,
                  ApplicationState.PROJECT_APPROVAL, ApplicationState.APPROVED)
_PAST_PLAN_GATE = "(" + ",".join(f"'{state.value}'" for state in PAST_PLAN_GATE) + ")"


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        sa.CheckConstraint("requested_budget >= 0", name="budget_not_negative"),
        sa.CheckConstraint("construction_months BETWEEN 1 AND 60", name="construction_period_range"),
        # Past 初审 an application is in the plan or carries a leader's recorded override.
        sa.CheckConstraint(f"state NOT IN {_PAST_PLAN_GATE} OR plan_item_id IS NOT NULL "
                           "OR plan_overridden_by_id IS NOT NULL", name="plan_gate"),
        sa.CheckConstraint("state = 'draft' OR plan_item_id IS NOT NULL "
                           "OR length(off_plan_justification) > 0", name="off_plan_justified"),
        sa.Index("ix_applications_batch_state", "batch_id", "state"),
        # An endorser's area in the lists' order (newest first); submitted_at lets the area's
        # COUNT read the index alone (policies.visible_to; docs/performance.md).
        sa.Index("ix_applications_prefecture_area", "prefecture_code", "id", "submitted_at"),
        sa.Index("ix_applications_division_area", "division_code", "id", "submitted_at"),
        # The inbox: a stage's items of one scope in its order (oldest first), with the stored
        # deadline day, so that a stage's COUNT and its overdue/due-soon sums read the index
        # alone and its page is read without sorting the stage (reads/inbox.py).
        sa.Index("ix_applications_state_waiting", "state", "stage_entered_at", "due_on"),
        # An agency's also holds what its steps' guards read first, the plan item and the batch,
        # so that its count reads a row only when it has no plan item (migration 0019).
        sa.Index("ix_applications_organisation_waiting", "organisation_id", "state", "stage_entered_at", "due_on",
                 "plan_item_id", "batch_id"),
        # An endorser's: its check of the endorsement at the current level, and the area's "submitted",
        # read from the index (migration 0018).
        sa.Index("ix_applications_prefecture_waiting", "prefecture_code", "state", "stage_entered_at", "due_on",
                 "endorsement_level", "submitted_at"),
        sa.Index("ix_applications_division_waiting", "division_code", "state", "stage_entered_at", "due_on",
                 "endorsement_level", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # Denormalised from the applicant's division so that scoping and statistics need no joins
    # (indexed with the id: see __table_args__).
    division_code: Mapped[str] = mapped_column(sa.String(12))
    prefecture_code: Mapped[str | None] = mapped_column(sa.String(12))

    # The human number (云试申〔2026〕0012号), allocated gaplessly at submission; None for a draft.
    number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    # Indexed for the dashboard's GROUP BY counts.
    category: Mapped[PilotCategory] = mapped_column(enum_column(PilotCategory), index=True)
    domain: Mapped[Domain] = mapped_column(enum_column(Domain), index=True)
    contact_name: Mapped[str] = mapped_column(sa.String(32))
    contact_phone: Mapped[str] = mapped_column(sa.String(32))
    requested_budget: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))  # 万元
    construction_months: Mapped[int]
    objectives: Mapped[str] = mapped_column(sa.Text)
    content: Mapped[str] = mapped_column(sa.Text)
    expected_benefits: Mapped[str] = mapped_column(sa.Text)
    plan_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_items.id"))
    off_plan_justification: Mapped[str] = mapped_column(sa.Text, default="")
    plan_overridden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    state: Mapped[ApplicationState] = mapped_column(
        enum_column(ApplicationState), default=ApplicationState.DRAFT, index=True)
    version: Mapped[int] = mapped_column(default=1)
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")  # the flow's version it follows
    endorsement_level: Mapped[int] = mapped_column(default=0)
    re_review_round: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due

    batch: Mapped[Batch] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    plan_item: Mapped[PlanItem | None] = relationship()
    endorsements: Mapped[list[Endorsement]] = relationship(
        order_by="Endorsement.position", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.id", cascade="all, delete-orphan")

    @property
    def current_endorsement(self) -> Endorsement | None:
        if self.state != ApplicationState.ENDORSING or self.endorsement_level >= len(self.endorsements):
            return None
        return self.endorsements[self.endorsement_level]


class Endorsement(db.Model):
    """One IT office on the application's route to the province (逐级上报)."""

    __tablename__ = "endorsements"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "position", name="one_office_per_level"),
        # An office's ranking is one place per application in a batch, whatever the submission
        # (NULLs never clash: an unranked endorsement holds no place).
        sa.UniqueConstraint("office_id", "batch_id", "ranking", name="one_place_per_office_batch"),
        sa.CheckConstraint("ranking IS NULL OR batch_id IS NOT NULL", name="ranked_in_batch"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"))
    position: Mapped[int]
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    endorsed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    ranking: Mapped[int | None]
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batches.id"))  # the batch it was ranked in
    summary_id: Mapped[int | None] = mapped_column(sa.ForeignKey("endorsement_summaries.id"))  # its 汇总上报

    office: Mapped[Organisation] = relationship()


class EndorsementSummary(db.Model):
    """汇总上报: one office's batch endorsement, issued as a numbered document listing the
    applications it endorsed in rank order with the office's opinion; each endorsement points to it."""

    __tablename__ = "endorsement_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"))
    opinion: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    office: Mapped[Organisation] = relationship()
    batch: Mapped[Batch] = relationship()
    endorsements: Mapped[list[Endorsement]] = relationship(order_by="Endorsement.ranking")


class JointOpinion(db.Model):
    """A 复审 opinion of one joint-review organisation in one re-review round."""

    __tablename__ = "joint_opinions"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "round", "organisation_id", name="one_per_org_per_round"),
        sa.CheckConstraint("recommendation IN ('approve','return','reject')", name="recommendation_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"))
    round: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recommendation: Mapped[str] = mapped_column(sa.String(8))
    opinion: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    reviewer: Mapped[User] = relationship()


class Attachment(db.Model):
    """A file stored content-addressed by SHA-256; the client's name is kept for display only."""

    __tablename__ = "attachments"
    __table_args__ = (sa.CheckConstraint("size > 0", name="not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    display_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(128))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
