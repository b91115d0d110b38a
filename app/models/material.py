"""Materials (材料): typed files a project's agency hands in with a stage's step — the mid-term
progress and rectification reports, the acceptance request, the self-evaluation. Stored like
application attachments (content-addressed by SHA-256, see ``services.commands.attachments``)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp, utcnow

# kind -> (Chinese, English)
MATERIAL_KINDS = {
    "progress_report": ("进展报告", "Progress report"),
    "rectification_report": ("整改报告", "Rectification report"),
    "completion_report": ("竣工报告", "Completion report"),
    "financial_audit": ("财务审计报告", "Financial audit report"),
    "test_report": ("测试报告", "Test report"),
    "user_report": ("用户使用报告", "User report"),
}

# the item kinds whose steps carry materials
MATERIAL_STAGES = ("midterm_check", "acceptance", "evaluation")


class Material(db.Model):
    """One file handed in with a step (``stage`` item ``stage_id``, step ``trigger``)."""

    __tablename__ = "materials"
    __table_args__ = (
        sa.CheckConstraint("size > 0", name="not_empty"),
        sa.CheckConstraint("stage IN ('midterm_check','acceptance','evaluation')", name="stage_known"),
        sa.Index("ix_materials_stage", "stage", "stage_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(16))
    stage_id: Mapped[int]
    trigger: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(32))
    display_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(128))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    @property
    def kind_label(self) -> tuple[str, str]:
        return MATERIAL_KINDS.get(self.kind, (self.kind, self.kind))
