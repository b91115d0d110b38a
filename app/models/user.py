"""Users, the roles they hold in their organisation, and the expert pool."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, enum_column, utcnow
from app.models.org import Organisation
from app.models.vocabulary import Domain, Role


class MailPreference:
    """How a user wants their notifications by e-mail (they always arrive in-app)."""

    IMMEDIATE, DIGEST, NONE = "immediate", "digest", "none"
    ALL = (IMMEDIATE, DIGEST, NONE)


LOCALES = ("zh_CN", "en")


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("locale IN ('zh_CN', 'en')", name="locale_known"),
        sa.CheckConstraint("mail_preference IN ('immediate', 'digest', 'none')", name="mail_preference_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout / password change: sessions carry it and die when it moves on.
    session_generation: Mapped[int] = mapped_column(default=0)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # E-mail (app.services.notify): where, in which language, and how often.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh_CN", server_default="zh_CN")
    mail_preference: Mapped[str] = mapped_column(sa.String(16), default=MailPreference.IMMEDIATE,
                                                 server_default=MailPreference.IMMEDIATE)
    last_digest_at: Mapped[datetime | None] = mapped_column(Timestamp)  # the notifications mailed up to here

    # Whoever acts is judged by their organisation and its division (policies.visible_to, the
    # endorsement route): they come in the user's own SELECT, not two more per request.
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    # Flask-Login protocol (kept here so the web layer needs no wrapper class)
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, 24), primary_key=True)


class Expert(db.Model):
    """A member of the expert pool; ``organisation`` is where they work (conflict checks)."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    specialties: Mapped[str] = mapped_column(sa.String(256), default="")
    title: Mapped[str] = mapped_column(sa.String(64), default="")
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()
    # The structured specialties: the programme's domains (示范领域) the expert is drawn for.
    domain_rows: Mapped[list[ExpertDomain]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ExpertDomain.domain")

    @property
    def organisation(self) -> Organisation:
        return self.user.organisation

    @property
    def domains(self) -> list[Domain]:
        return [r.domain for r in self.domain_rows]


class ExpertDomain(db.Model):
    """One domain (``Domain``) an expert is a specialist in; the panel draw prefers them."""

    __tablename__ = "expert_domains"

    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True)
    domain: Mapped[Domain] = mapped_column(enum_column(Domain), primary_key=True)
