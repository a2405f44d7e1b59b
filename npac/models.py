"""NPAC tables (business-rules §9.1) on their own declarative base, prefixed npac_."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SPID_TYPES = ("wireline", "wireless", "voip")
SV_STATUSES = ("pending", "conflict", "active", "old", "canceled")
OPEN_STATUSES = ("pending", "conflict")


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Aware datetimes stored as UTC (naive UTC on SQLite, timestamptz on PostgreSQL)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, the text SQLAlchemy's DATETIME stores ("YYYY-MM-DD HH:MM:SS.ffffff"),
        made by `datetime.isoformat` in one C call instead of the UTC conversion, the naive
        copy and a seven-key `%` format (issue 17: ~2.4 to ~1.1 µs a value, some thirty
        values per submission). A storage format other than SQLAlchemy's default takes the
        generic path."""
        impl = self.impl_instance.dialect_impl(dialect)
        if not isinstance(impl, sqlite.DATETIME) \
                or impl._storage_format != sqlite.DATETIME._storage_format:
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not UTC:
                if value.tzinfo is None:
                    raise ValueError("naive datetime given to a UTC column")
                value = value.astimezone(UTC)
            return value.isoformat(" ", "microseconds")[:26]  # without its "+00:00"

        return process

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _digits(length: int) -> sa.types.TypeEngine[str]:
    # Digit strings compare the same in every collation; "C" makes PostgreSQL sorts cheap.
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    # An OR chain, not IN (...): SQLite evaluates IN lists in CHECKs several times slower.
    return " OR ".join(f"{column} = '{value}'" for value in values)


def table_of(model: type[NpacBase]) -> sa.Table:
    """The Table a mapped class is declared on (SQLAlchemy types `__table__` as a FromClause)."""
    table = model.__table__
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a Table")
    return table


class NpacBase(DeclarativeBase):
    """Declarative base of the NPAC simulator; the gateway adds its metadata to its schema."""

    metadata = sa.MetaData(naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    })


class Spid(NpacBase):
    """A service provider known to NPAC."""

    __tablename__ = "npac_spids"
    __table_args__ = (sa.CheckConstraint(_one_of("type", SPID_TYPES), name="ck_npac_spids_type"),)

    spid: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(10))


class NpaNxxCode(NpacBase):
    """The holder of an NPA-NXX code (10,000 TNs)."""

    __tablename__ = "npac_npa_nxx_codes"

    npa_nxx: Mapped[str] = mapped_column(_digits(6), primary_key=True)
    spid: Mapped[str] = mapped_column(sa.String(4), sa.ForeignKey("npac_spids.spid"))
    lrn: Mapped[str] = mapped_column(sa.String(10))


class ThousandsBlock(NpacBase):
    """The holder of a thousands block NPA-NXX-X (1,000 TNs), pooled away from the code holder."""

    __tablename__ = "npac_thousands_blocks"

    npa_nxx_x: Mapped[str] = mapped_column(_digits(7), primary_key=True)
    spid: Mapped[str] = mapped_column(sa.String(4), sa.ForeignKey("npac_spids.spid"))
    lrn: Mapped[str] = mapped_column(sa.String(10))


class SubscriptionVersion(NpacBase):
    """One subscription version of a TN; at most one is active per TN.

    No foreign keys to npac_spids here: SVs are bulk-loaded by the million and their SPIDs are
    checked by the importer (one query) and by the gateway (R206) instead.
    """

    __tablename__ = "npac_subscription_versions"
    __table_args__ = (
        sa.CheckConstraint(_one_of("status", SV_STATUSES), name="ck_npac_sv_status"),
        # "Who holds these TNs": one probe per TN; also enforces one active SV per TN.
        sa.Index("ux_npac_sv_active_tn", "tn", unique=True,
                 sqlite_where=sa.text("status = 'active'"),
                 postgresql_where=sa.text("status = 'active'")),
        # Every other status (pending/conflict lookups, history); stays small on bulk loads.
        sa.Index("ix_npac_sv_inactive_tn", "tn", "status",
                 sqlite_where=sa.text("status <> 'active'"),
                 postgresql_where=sa.text("status <> 'active'")),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                    primary_key=True, autoincrement=True)
    tn: Mapped[str] = mapped_column(_digits(10))
    old_spid: Mapped[str | None] = mapped_column(sa.String(4))
    new_spid: Mapped[str] = mapped_column(sa.String(4))
    lrn: Mapped[str] = mapped_column(sa.String(10))
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(9))
    conflict_cause: Mapped[int | None] = mapped_column(sa.SmallInteger)
    concurred: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
