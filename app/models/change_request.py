"""Change requests (变更/延期申请) of a project under construction, and their attachments."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, enum_column, utcnow
from app.models.project import Project
from workflows.change_request import OPEN, ChangeRequestState, ChangeType

_OPEN_CLAUSE = sa.text("state IN (" + ", ".join(f"'{s.value}'" for s in OPEN) + ")")


class ChangeRequest(db.Model):
    __tablename__ = "change_requests"
    __table_args__ = (
        # At most one open request per project, whatever the concurrency (the filing service also
        # locks the project row, so the second filer gets the reason rather than this error).
        sa.Index("uq_change_requests_one_open", "project_id", unique=True,
                 sqlite_where=_OPEN_CLAUSE, postgresql_where=_OPEN_CLAUSE),
        sa.CheckConstraint("length(reason) > 0", name="reason_given"),
        sa.CheckConstraint("new_budget IS NULL OR new_budget > 0", name="new_budget_positive"),
        sa.CheckConstraint("new_starts_on IS NULL OR new_ends_on IS NULL OR new_ends_on > new_starts_on",
                           name="new_period_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    change_type: Mapped[ChangeType] = mapped_column(enum_column(ChangeType, 16))
    reason: Mapped[str] = mapped_column(sa.Text)
    # The proposed values; which are set depends on the type (budget; content; period; extension: new end; contact).
    new_budget: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    new_starts_on: Mapped[date | None]
    new_ends_on: Mapped[date | None]
    new_content: Mapped[str] = mapped_column(sa.Text, default="")
    new_contact_name: Mapped[str] = mapped_column(sa.String(32), default="")
    new_contact_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    state: Mapped[ChangeRequestState] = mapped_column(
        enum_column(ChangeRequestState), default=ChangeRequestState.SUBMITTED, index=True)
    version: Mapped[int] = mapped_column(default=1)
    flow_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    stage_entered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the stage's deadline day, kept by time.due

    project: Mapped[Project] = relationship()
    attachments: Mapped[list[ChangeAttachment]] = relationship(
        back_populates="change_request", order_by="ChangeAttachment.id")


class ChangeAttachment(db.Model):
    """Material attached to a change request, stored like an application's attachments."""

    __tablename__ = "change_attachments"
    __table_args__ = (sa.CheckConstraint("size > 0", name="not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_request_id: Mapped[int] = mapped_column(sa.ForeignKey("change_requests.id", ondelete="CASCADE"),
                                                   index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    display_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(128))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    change_request: Mapped[ChangeRequest] = relationship(back_populates="attachments")
