"""Trading partners, their users, roles, contacts, API tokens and agent approvals (§1)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, JSONType, UTCDateTime

PARTNER_TYPES = ("ilec", "clec", "wireless", "voip", "shared_tenant", "agent")
PARTNER_STATUSES = ("pending", "active", "suspended")
PRIVILEGES = ("csr", "lsr", "view")
PARTNER_ROLES = ("partner_admin", "partner_user")
STAFF_ROLES = ("staff", "staff_admin")
CONTACT_TYPES = ("foc", "reject", "completion", "jeopardy", "escalation")
# notification preferences (issue 15): the event categories a contact, user or webhook receives
NOTICE_CATEGORIES = ("foc", "reject", "completion", "expiry", "jeopardy", "notes", "batches")
# "as today": people get every category their contact types bring, batch results only when
# they opt in; the webhook gets every category (it got lsr_batch.done before preferences)
DEFAULT_NOTIFY_CSV = "completion,expiry,foc,jeopardy,notes,reject"
DEFAULT_WEBHOOK_EVENTS_CSV = "batches,completion,expiry,foc,jeopardy,notes,reject"


def _csv(values) -> str:
    return ",".join(sorted(set(values)))


def _split(value: str | None) -> frozenset[str]:
    return frozenset(v for v in (value or "").split(",") if v)


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    ccna: Mapped[str] = mapped_column(sa.String(3), unique=True)
    type: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(12), default="active", index=True)
    ocn: Mapped[str | None] = mapped_column(sa.String(8))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    profile: Mapped[dict | None] = mapped_column(JSONType)  # Trading Partner Profile as sent
    webhook_url: Mapped[str | None] = mapped_column(sa.String(500))
    webhook_secret: Mapped[str | None] = mapped_column(sa.String(200))
    webhook_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the notice categories the webhook receives (issue 15; events of no category always go)
    webhook_events_csv: Mapped[str] = mapped_column(
        sa.String(80), default=DEFAULT_WEBHOOK_EVENTS_CSV,
        server_default=DEFAULT_WEBHOOK_EVENTS_CSV)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    spid_rows: Mapped[list[PartnerSpid]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", lazy="selectin")

    @property
    def spids(self) -> frozenset[str]:
        return frozenset(row.spid for row in self.spid_rows)

    @property
    def is_agent(self) -> bool:
        return self.type == "agent"

    @property
    def webhook_events(self) -> frozenset[str]:
        return _split(self.webhook_events_csv)


class PartnerSpid(Base):
    __tablename__ = "partner_spids"

    spid: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    partner: Mapped[Partner] = relationship(back_populates="spid_rows")


class AgentApproval(Base):
    """A carrier partner's approval for an agent partner to act for it (§1.1)."""

    __tablename__ = "agent_approvals"
    __table_args__ = (sa.Index("ix_agent_approvals_pair", "carrier_id", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    privileges_csv: Mapped[str] = mapped_column(sa.String(40))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # §1.1.2: a suspended approval counts as revoked until it is resumed
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    carrier: Mapped[Partner] = relationship(foreign_keys=[carrier_id])
    agent: Mapped[Partner] = relationship(foreign_keys=[agent_id])

    @property
    def privileges(self) -> frozenset[str]:
        return _split(self.privileges_csv)

    @hybrid_property
    def live(self) -> bool:
        """The one definition of a live approval (§1.1, §1.1.2): neither revoked nor
        suspended. Works on a row and, as SQL, in queries (`AgentApproval.live`)."""
        return self.revoked_at is None and self.suspended_at is None

    @live.inplace.expression
    @classmethod
    def _live_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.revoked_at.is_(None), cls.suspended_at.is_(None))

    @property
    def state(self) -> str:
        """live | suspended | revoked."""
        if self.revoked_at is not None:
            return "revoked"
        return "suspended" if self.suspended_at is not None else "live"


ACCESS_REQUEST_STATUSES = ("open", "approved", "declined")


class AccessRequest(Base):
    """An agent's request to act for a carrier (§1.1.2): open until the carrier's
    administrator approves it (making an AgentApproval) or declines it."""

    __tablename__ = "access_requests"
    __table_args__ = (sa.Index("ix_access_requests_carrier_status", "carrier_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    carrier_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    privileges_csv: Mapped[str] = mapped_column(sa.String(40))  # what the agent asked for
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.String(500))
    approval_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agent_approvals.id"))

    carrier: Mapped[Partner] = relationship(foreign_keys=[carrier_id])
    agent: Mapped[Partner] = relationship(foreign_keys=[agent_id])
    approval: Mapped[AgentApproval | None] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def privileges(self) -> frozenset[str]:
        return _split(self.privileges_csv)


class Role(Base):
    """A partner-defined named role: a set of privileges shared by its users (§1.3)."""

    __tablename__ = "roles"
    __table_args__ = (sa.UniqueConstraint("partner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    name: Mapped[str] = mapped_column(sa.String(60))
    privileges_csv: Mapped[str] = mapped_column(sa.String(40))

    @property
    def privileges(self) -> frozenset[str]:
        return _split(self.privileges_csv)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    email: Mapped[str] = mapped_column(sa.String(200))
    # §1.3.2: shown wherever the user's actions are listed (the username when none was given)
    full_name: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    role_id: Mapped[int | None] = mapped_column(sa.ForeignKey("roles.id"))
    privileges_csv: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_types_csv: Mapped[str] = mapped_column(sa.String(80), default="")
    # which of the notices its contact types bring the user receives (issue 15)
    notify_csv: Mapped[str] = mapped_column(sa.String(80), default=DEFAULT_NOTIFY_CSV,
                                            server_default=DEFAULT_NOTIFY_CSV)
    timezone: Mapped[str] = mapped_column(sa.String(40), default="America/Los_Angeles")
    session_version: Mapped[int] = mapped_column(default=1)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # two-step sign-in (business-rules §1.3.1): the TOTP secret once enrolled, the last time
    # step accepted (a code is never accepted twice), recovery codes as SHA-256 hex digests
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    recovery_codes: Mapped[list | None] = mapped_column(JSONType)
    # a password an administrator or staff set is temporary: changed at the next sign-in
    must_change_password: Mapped[bool] = mapped_column(default=False,
                                                       server_default=sa.false())

    partner: Mapped[Partner | None] = relationship(lazy="joined")
    named_role: Mapped[Role | None] = relationship(lazy="joined")

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def display_name(self) -> str:
        """'Full Name (username)', or the username alone when no other name is known."""
        name = (self.full_name or "").strip()
        return f"{name} ({self.username})" if name and name != self.username else self.username

    @property
    def is_partner_admin(self) -> bool:
        return self.role == "partner_admin"

    @property
    def privileges(self) -> frozenset[str]:
        if self.is_staff:
            return frozenset(PRIVILEGES)
        if self.named_role is not None:
            return self.named_role.privileges
        return _split(self.privileges_csv)

    @property
    def contact_types(self) -> frozenset[str]:
        return _split(self.contact_types_csv)

    @property
    def notify(self) -> frozenset[str]:
        return _split(self.notify_csv)

    @property
    def active(self) -> bool:
        if self.disabled_at is not None:
            return False
        return self.is_staff or (self.partner is not None and self.partner.status == "active")

    # Flask-Login protocol: the session id carries session_version, so a password change or a
    # disable invalidates every session at once.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class Contact(Base):
    """A person to notify who need not log in (§1.3)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(30))
    types_csv: Mapped[str] = mapped_column(sa.String(80))
    # which of the notices its contact types bring the contact receives (issue 15)
    notify_csv: Mapped[str] = mapped_column(sa.String(80), default=DEFAULT_NOTIFY_CSV,
                                            server_default=DEFAULT_NOTIFY_CSV)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def types(self) -> frozenset[str]:
        return _split(self.types_csv)

    @property
    def notify(self) -> frozenset[str]:
        return _split(self.notify_csv)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


__all__ = ["Partner", "PartnerSpid", "AgentApproval", "AccessRequest",
           "ACCESS_REQUEST_STATUSES", "Role", "User", "Contact", "ApiToken",
           "PARTNER_TYPES", "PARTNER_STATUSES", "PRIVILEGES", "PARTNER_ROLES", "STAFF_ROLES",
           "CONTACT_TYPES", "NOTICE_CATEGORIES", "DEFAULT_NOTIFY_CSV",
           "DEFAULT_WEBHOOK_EVENTS_CSV", "_csv"]
