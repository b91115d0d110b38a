"""A project's dossier (一项目一档) as built by a job: the request, then the sealed ZIP it made."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp, utcnow


class DossierStatus:
    PENDING, READY, FAILED = "pending", "ready", "failed"


class DossierExport(db.Model):
    """One build of a project's dossier. Requested by a person (pending), built and sealed by
    the "build_dossier" job, which stores the archive under ``file_name`` (chosen at the
    request, so a retried job can only ever write that one file) and marks it ready.
    ``content_key`` says what the archive holds (the project's last audit record, documents,
    versions, attachments and covering checkpoint): a later request reuses a ready export whose
    key is still the project's."""

    __tablename__ = "dossier_exports"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'ready', 'failed')", name="status_known"),
        sa.CheckConstraint("status <> 'ready' OR (sha256 IS NOT NULL AND size IS NOT NULL AND finished_at IS NOT NULL)",
                           name="ready_has_file"),
        sa.Index("ix_dossier_exports_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default=DossierStatus.PENDING)
    file_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_key: Mapped[str] = mapped_column(sa.String(160), default="")
    last_record_id: Mapped[int | None]  # the project's last audit record the archive holds
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int | None]
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    error: Mapped[str] = mapped_column(sa.String(500), default="")  # the last failure, in words
