"""Port-out protection (business-rules §11.2): the end user's dispute links and order holds."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime


class DisputeLink(Base):
    """One "I did not ask for this" link sent to the end user with an FOC; only its SHA-256
    is kept (the token itself travels in the email alone)."""

    __tablename__ = "dispute_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    lsr_id: Mapped[int] = mapped_column(sa.ForeignKey("lsrs.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the order was disputed


class OrderHold(Base):
    """A hold on an order after the end user disputed it, until staff release or cancel it
    (or the order expires or is canceled by SUP 1)."""

    __tablename__ = "order_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    lsr_id: Mapped[int] = mapped_column(sa.ForeignKey("lsrs.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(10), default="dispute")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 4 business hours later
    ip: Mapped[str | None] = mapped_column(sa.String(64))  # where the dispute came from
    sv_ids: Mapped[list] = mapped_column(JSONType, default=list)  # the SVs the hold conflicted
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # released | canceled | expired | sup_canceled | superseded | rejected
    outcome: Mapped[str | None] = mapped_column(sa.String(14))
    ended_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    remarks: Mapped[str | None] = mapped_column(sa.String(500))
