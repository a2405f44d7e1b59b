"""Risk review facts (business-rules §11.3): loaded here, judged by validators.risk."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Lsr, LsrVersion, OrderHold, Partner
from validators.carrier_profile import CarrierProfile
from validators.risk import RiskFacts


def cross_partner_orders(session: Session, *, account_number: str, ccna: str,
                         received_at: datetime, days: int,
                         exclude_lsr_id: int | None = None) -> list[Lsr]:
    """LSRs under another CCNA on the account that got an FOC or were disputed in the `days`
    before `received_at`, whatever their status now (an agent's order carries its carrier's
    CCNA, so it counts as the carrier's). Driven by the account's orders: one query."""
    since = received_at - timedelta(days=days)
    query = sa.select(Lsr).where(Lsr.account_number == account_number, Lsr.ccna != ccna,
                                 foc_or_dispute_between(since, received_at))
    if exclude_lsr_id is not None:
        query = query.where(Lsr.id != exclude_lsr_id)
    return list(session.scalars(query.order_by(Lsr.id)))


def foc_or_dispute_between(since: Any, until: Any) -> sa.ColumnElement[bool]:
    """The order got an FOC (now or in a version) or was disputed between the two times
    (values or bound parameters)."""

    def inside(column: sa.ColumnElement[datetime]) -> sa.ColumnElement[bool]:
        return sa.and_(column >= since, column <= until)

    focd = sa.select(LsrVersion.id).where(LsrVersion.lsr_id == Lsr.id,
                                          LsrVersion.status == "foc",
                                          inside(LsrVersion.at)).exists()
    disputed = sa.select(OrderHold.id).where(OrderHold.lsr_id == Lsr.id,
                                             inside(OrderHold.started_at)).exists()
    return sa.or_(inside(Lsr.foc_issued_at), focd, disputed)


def risk_facts(session: Session, *, account_number: str, ccna: str, sender: Partner,
               received_at: datetime, n_tns: int, profile: CarrierProfile,
               exclude_lsr_id: int | None = None,
               other_orders: tuple[int, ...] | None = None) -> RiskFacts:
    """The facts validators.risk needs for one LSR, as of its received time. `other_orders`:
    the §11.3 orders already loaded with the order's facts (`facts.RiskWindow`), by id."""
    days = profile.risk.get("cross_partner_days", 0)
    if other_orders is None:
        other_orders = tuple(o.id for o in cross_partner_orders(
            session, account_number=account_number, ccna=ccna, received_at=received_at,
            days=days, exclude_lsr_id=exclude_lsr_id)) if days > 0 else ()
    return RiskFacts(other_orders=other_orders,
                     partner_approved_at=sender.approved_at or sender.created_at,
                     received_at=received_at, n_tns=n_tns)
