"""CSR requests, LOAs, and LSR orders with their versions and TNs (§3, §4, §6, §7)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, JSONType, UTCDateTime


class LsrStatus(StrEnum):
    """An order's status (business-rules §7.1); only services/orders/transitions.py sets it."""

    FOC = "foc"
    REJECTED = "rejected"
    MANUAL_REVIEW = "manual_review"
    CANCELED = "canceled"
    EXPIRED = "expired"
    COMPLETED = "completed"


LSR_STATUSES = tuple(s.value for s in LsrStatus)
OPEN_STATUSES = (LsrStatus.FOC, LsrStatus.MANUAL_REVIEW)
CLOSED_STATUSES = (LsrStatus.CANCELED, LsrStatus.EXPIRED, LsrStatus.COMPLETED)


class LsrStatusType(sa.types.TypeDecorator[LsrStatus]):
    """An order's status stored as its text, read back as an `LsrStatus`."""

    impl = sa.String(14)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else str(value)  # a filter on an unknown text matches none

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> LsrStatus | None:
        return None if value is None else LsrStatus(value)


class Loa(Base):
    """An end user's letter of authorization attached by an agent (§3.1, §4.2)."""

    __tablename__ = "loas"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CsrRequest(Base):
    __tablename__ = "csr_requests"
    __table_args__ = (sa.Index("ix_csr_requests_partner_tn", "partner_id", "tn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    owner_partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ccna: Mapped[str] = mapped_column(sa.String(8))
    tn: Mapped[str] = mapped_column(sa.String(40))
    an: Mapped[str | None] = mapped_column(sa.String(40))
    agauth: Mapped[str | None] = mapped_column(sa.String(8))
    channel: Mapped[str] = mapped_column(sa.String(8), default="api")
    status: Mapped[str] = mapped_column(sa.String(10), index=True)
    account_number: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejects: Mapped[list] = mapped_column(JSONType, default=list)
    csr: Mapped[dict | None] = mapped_column(JSONType)
    loa_id: Mapped[int | None] = mapped_column(sa.ForeignKey("loas.id"))
    request: Mapped[dict] = mapped_column(JSONType, default=dict)


def _where_set(column: str) -> dict[str, Any]:
    """A partial index's predicate on both databases: the rows whose `column` is set."""
    where = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


class Lsr(Base):
    """One port-out order: a partner's PON with its versions (§7)."""

    __tablename__ = "lsrs"
    __table_args__ = (
        # §7.5: a PON names one order per submitting partner and CCNA (the owner's)
        sa.UniqueConstraint("owner_partner_id", "submitter_partner_id", "pon",
                            name="uq_lsrs_owner_submitter_pon"),
        sa.Index("ix_lsrs_status_due", "status", "due_date"),
        sa.Index("ix_lsrs_status_foc_due", "status", "foc_due_at"),
        # only the orders that have the time (migration 0008): an order gets its window at
        # its FOC and a note's due time rarely, and every query by them compares the time,
        # which implies it is set; a rejected or new order writes no entry
        *(sa.Index(f"ix_lsrs_{column}", column, **_where_set(column))
          for column in ("window_ends_at", "note_due_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # looked up by uq_lsrs_owner_submitter_pon, whose first column it is (migration 0007)
    owner_partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    submitter_partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    ccna: Mapped[str] = mapped_column(sa.String(3))
    pon: Mapped[str | None] = mapped_column(sa.String(16))  # None when the PON was not valid
    ver: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[LsrStatus] = mapped_column(LsrStatusType())
    port_type: Mapped[str | None] = mapped_column(sa.String(10))
    review_reason: Mapped[str | None] = mapped_column(sa.String(14))
    review_rule: Mapped[str | None] = mapped_column(sa.String(14))  # §11.3 cross/new partner
    hold: Mapped[str | None] = mapped_column(sa.String(10))  # "dispute" while on hold (§11.2)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(20))  # end_user_dispute
    channel: Mapped[str] = mapped_column(sa.String(8), default="api")
    account_number: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    state: Mapped[str | None] = mapped_column(sa.String(2))
    nnsp: Mapped[str | None] = mapped_column(sa.String(4))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receipt_day: Mapped[date | None] = mapped_column(sa.Date)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    foc_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    foc_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set by sweep (§5.4)
    foc_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    foc_tns: Mapped[list] = mapped_column(JSONType, default=list)
    disconnect_tns: Mapped[list] = mapped_column(JSONType, default=list)
    new_btn: Mapped[str | None] = mapped_column(sa.String(10))
    rejects: Mapped[list] = mapped_column(JSONType, default=list)
    payload: Mapped[dict] = mapped_column(JSONType)
    due_date_sups: Mapped[int] = mapped_column(default=0)
    loa_id: Mapped[int | None] = mapped_column(sa.ForeignKey("loas.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # §13.2: the coordinated cut's time of day (HH:MM, local time of the account's state)
    due_time: Mapped[str | None] = mapped_column(sa.String(5))
    # §13.1: staff asked for information and the partner has not answered yet
    awaiting_partner_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # §13.1: a partner's note awaits the desk's answer by then (the staff queue's note item)
    note_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    versions: Mapped[list[LsrVersion]] = relationship(
        back_populates="lsr", order_by="LsrVersion.id", cascade="all, delete-orphan")

    @property
    def tns(self) -> list[str]:
        """The order's TNs as confirmed, else as requested, as text (pages and exports)."""
        if self.foc_tns:
            return [str(tn) for tn in self.foc_tns]
        requested = self.payload.get("tns") if isinstance(self.payload, dict) else None
        return [t if isinstance(t, str) else str(t) for t in requested] \
            if isinstance(requested, list) else []

    @property
    def awaiting_partner(self) -> bool:
        """Staff asked for information that the partner has not given yet (§13.1)."""
        return self.awaiting_partner_since is not None

    def field(self, key: str) -> str | None:
        """A field of the order's body as text, for pages (None when absent)."""
        value = self.payload.get(key) if isinstance(self.payload, dict) else None
        return None if value is None else value if isinstance(value, str) else str(value)


class LsrVersion(Base):
    """Every version and supplement received on an order, with its outcome (§6.5, §7.4)."""

    __tablename__ = "lsr_versions"
    __table_args__ = (sa.UniqueConstraint("lsr_id", "ver", name="uq_lsr_versions_ver"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lsr_id: Mapped[int] = mapped_column(sa.ForeignKey("lsrs.id"))  # uq_lsr_versions_ver's first
    ver: Mapped[str] = mapped_column(sa.String(2))
    sup: Mapped[str | None] = mapped_column(sa.String(1))
    status: Mapped[str] = mapped_column(sa.String(14))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    payload: Mapped[dict] = mapped_column(JSONType)
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    rejects: Mapped[list] = mapped_column(JSONType, default=list)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.String(500))

    lsr: Mapped[Lsr] = relationship(back_populates="versions")


class LsrTn(Base):
    """A TN of an open order (status foc or manual_review): the open-order index of §2.4."""

    __tablename__ = "lsr_tns"

    # no foreign key (migration 0005): derived data with one writer (transitions.py), for
    # orders that are never deleted; the key's check was a trigger call per TN row
    lsr_id: Mapped[int] = mapped_column(primary_key=True)
    tn: Mapped[str] = mapped_column(sa.String(10), primary_key=True, index=True)
