"""The notice outbox (§10): notices written with the change, deliveries sent later."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, JSONType, UTCDateTime

EVENTS = ("lsr.foc", "lsr.rejected", "lsr.completed", "lsr.expired", "lsr.canceled",
          "lsr.manual_review", "csr.returned", "csr.rejected", "enduser.port_notice",
          "enduser.passcode_failed", "escalation.raised", "escalation.risen",
          "escalation.acknowledged", "escalation.resolved", "lsr.foc_overdue", "npac.conflict",
          "access.requested", "access.approved", "access.declined", "access.suspended",
          "access.resumed", "access.revoked")
EVENTS += ("lsr_batch.done",)  # business-rules §12
DELIVERY_STATUSES = ("pending", "sent", "dead")


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    lsr_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lsrs.id"), index=True)
    csr_request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("csr_requests.id"))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    data: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="notice",
                                                        cascade="all, delete-orphan")


class Delivery(Base):
    """One channel of a notice: an email to a list of addresses, or one webhook POST."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.Index("ix_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id"), index=True)
    delivery_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(8))  # email | webhook
    target: Mapped[str] = mapped_column(sa.String(2000))  # addresses (comma-separated) or URL
    status: Mapped[str] = mapped_column(sa.String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a worker's claim: other workers skip the row until the lease runs out
    lease_owner: Mapped[str | None] = mapped_column(sa.String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice: Mapped[Notice] = relationship(back_populates="deliveries")


class JobLock(Base):
    """A named lock row: a job's first statement updates it, so runs of the job serialize."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
