"""Bulk requests (business-rules §12): an LSR batch and its items, worked by the background
worker one LSR per transaction."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, JSONType, UTCDateTime

BATCH_STATUSES = ("queued", "running", "done")
OUTCOMES = ("created", "duplicate", "refused")


class LsrBatch(Base):
    """Up to 500 LSRs sent at once; every one takes the batch's received time (§12.1)."""

    __tablename__ = "lsr_batches"
    __table_args__ = (sa.Index("ix_lsr_batches_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(sa.String(8))  # api | portal
    source: Mapped[str] = mapped_column(sa.String(4))  # json | csv
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(8), default="queued")
    total: Mapped[int]
    done: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a worker's claim (wall-clock lease): other workers skip the batch until it runs out
    lease_owner: Mapped[str | None] = mapped_column(sa.String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[LsrBatchItem]] = relationship(
        back_populates="batch", order_by="LsrBatchItem.index", cascade="all, delete-orphan")


class LsrBatchItem(Base):
    """One LSR of a batch, in file order; `outcome` is written in the same transaction as the
    LSR it records, so a crash never answers it twice."""

    __tablename__ = "lsr_batch_items"
    __table_args__ = (sa.UniqueConstraint("batch_id", "index", name="uq_lsr_batch_items_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("lsr_batches.id"))
    index: Mapped[int]
    pon: Mapped[str | None] = mapped_column(sa.String(40))
    # the LSR body until it is answered (then cleared: it may hold a passcode, CPNI)
    body: Mapped[dict | None] = mapped_column(JSONType)
    # R602 findings found while reading the file (rows of one PON that disagree, a `sup`)
    edge_rejects: Mapped[list] = mapped_column(JSONType, default=list)
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    lsr_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lsrs.id"))
    error: Mapped[dict | None] = mapped_column(JSONType)
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    batch: Mapped[LsrBatch] = relationship(back_populates="items")
