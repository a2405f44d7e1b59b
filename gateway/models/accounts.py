"""Subscriber accounts of the carrier and their TNs (api-contract §3.1)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime

TN_STATUSES = ("working", "disconnected", "suspended", "ported_out")
SERVICE_CLASSES = ("pots", "centrex", "isdn", "pbx", "did", "ain", "rcf")
ADDRESS_PARTS = ("sano", "sasd", "sasn", "sath", "sass", "ld1", "lv1", "city", "state", "zip")


class Account(Base):
    __tablename__ = "accounts"

    account_number: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    btn: Mapped[str] = mapped_column(sa.String(10), index=True)
    customer_name: Mapped[str] = mapped_column(sa.String(120))
    sano: Mapped[str] = mapped_column(sa.String(20), default="")
    sasd: Mapped[str] = mapped_column(sa.String(20), default="")
    sasn: Mapped[str] = mapped_column(sa.String(80), default="")
    sath: Mapped[str] = mapped_column(sa.String(20), default="")
    sass: Mapped[str] = mapped_column(sa.String(20), default="")
    ld1: Mapped[str] = mapped_column(sa.String(10), default="")
    lv1: Mapped[str] = mapped_column(sa.String(20), default="")
    city: Mapped[str] = mapped_column(sa.String(60), default="")
    state: Mapped[str] = mapped_column(sa.String(2), index=True)
    zip: Mapped[str] = mapped_column(sa.String(10), default="")
    service_class: Mapped[str] = mapped_column(sa.String(10))
    une: Mapped[bool] = mapped_column(default=False)
    resale_spid: Mapped[str | None] = mapped_column(sa.String(4))
    passcode_hash: Mapped[str | None] = mapped_column(sa.String(120))
    port_freeze: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str | None] = mapped_column(sa.String(200))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def address(self) -> dict[str, str]:
        return {part: getattr(self, part) or "" for part in ADDRESS_PARTS}


class Tn(Base):
    __tablename__ = "tns"

    # byte order on PostgreSQL (migration 0006): the same order for digits, a faster key build
    tn: Mapped[str] = mapped_column(
        sa.String(10).with_variant(sa.String(10, collation="C"), "postgresql"), primary_key=True)
    account_number: Mapped[str] = mapped_column(
        sa.ForeignKey("accounts.account_number"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasscodeFailure(Base):
    """One failed passcode on an account, counted for the port-out protection lock (§4.5)."""

    __tablename__ = "passcode_failures"
    __table_args__ = (sa.Index("ix_passcode_failures_account_at", "account_number", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(sa.ForeignKey("accounts.account_number"))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
