"""Issued documents (numbered, immutable versions with digests) and signing credentials."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, utcnow


class IssuedDocument(db.Model):
    """A document with its yearly number, e.g. 云信办〔2026〕12号; its bytes live in versions."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        sa.UniqueConstraint("year", "seq", name="one_number_per_year"),
        sa.Index("ix_issued_documents_entity", "entity_type", "entity_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(48), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(32))
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(255))
    issued_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    finalised_at: Mapped[datetime | None] = mapped_column(Timestamp)

    versions: Mapped[list[DocumentVersion]] = relationship(
        order_by="DocumentVersion.position", cascade="all, delete-orphan")

    @property
    def current(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None


class DocumentVersion(db.Model):
    """One immutable state of a document's bytes (rendered, then each signature adds one)."""

    __tablename__ = "document_versions"
    __table_args__ = (sa.UniqueConstraint("document_id", "position", name="one_per_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("issued_documents.id", ondelete="CASCADE"))
    position: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class SigningCredential(db.Model):
    """A user's certificate from the deployment CA and their private key, encrypted under
    their own password (unlocked only at signing time)."""

    __tablename__ = "signing_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    certificate_pem: Mapped[str] = mapped_column(sa.Text)
    encrypted_key_pem: Mapped[str] = mapped_column(sa.Text)
    serial: Mapped[str] = mapped_column(sa.String(64))
    not_after: Mapped[datetime] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
