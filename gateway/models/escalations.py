"""Escalation contacts per state and level, and escalations raised on orders (§8.2)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime

ESCALATION_REASONS = ("csr_overdue", "foc_overdue", "reject_disputed", "port_day_problem")


class EscalationContact(Base):
    __tablename__ = "escalation_contacts"
    __table_args__ = (sa.UniqueConstraint("state", "level", name="uq_escalation_state_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(2))
    level: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(30))
    hours: Mapped[str] = mapped_column(sa.String(120))

    @property
    def summary(self) -> str:
        """One line naming the contact, as R701's message gives it (§8.1)."""
        return f"{self.name} ({self.title}), {self.email}, {self.phone}, {self.hours}"

    def as_dict(self) -> dict:
        return {"level": self.level, "name": self.name, "title": self.title,
                "email": self.email, "phone": self.phone, "hours": self.hours}


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (sa.Index("ix_escalations_open_due", "acknowledged_at", "ack_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lsr_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lsrs.id"), index=True)
    csr_request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("csr_requests.id"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(sa.String(2))
    reason: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.String(2000), default="")
    level: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(sa.String(2000))
    # the partner's own trouble ticket and when the problem started (its view of the case)
    partner_ticket: Mapped[str | None] = mapped_column(sa.String(40))
    problem_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
