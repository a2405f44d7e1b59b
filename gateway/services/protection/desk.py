"""What the desk sees of an order's protection (business-rules §11.2, §11.3): its hold and the
other partner's orders that made it a fraud review."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Lsr, OrderHold, Partner
from gateway.services.protection.risk import cross_partner_orders
from validators.carrier_profile import CarrierProfile
from validators.risk import CROSS_PARTNER

RULE_TEXT = {
    "cross_partner": "another partner's LSR on the same account got an FOC or was disputed in "
                     "the {days} days before this one",
    "new_partner": "the partner was approved less than {new_days} days ago and the LSR has more "
                   "than {min_tns} TNs",
}


@dataclass
class OrderProtection:
    hold: OrderHold | None = None
    holds: list[OrderHold] = field(default_factory=list)  # every hold, oldest first
    rule_text: str | None = None
    others: list[tuple[Lsr, Partner]] = field(default_factory=list)


def order_protection(session: Session, lsr: Lsr, profile: CarrierProfile) -> OrderProtection:
    """The order's holds and, for a risk review, which rule fired and the orders behind it."""
    holds = list(session.scalars(sa.select(OrderHold).where(OrderHold.lsr_id == lsr.id)
                                 .order_by(OrderHold.id)))
    found = OrderProtection(hold=next((h for h in holds if h.ended_at is None), None),
                            holds=holds)
    if lsr.review_rule:
        risk = profile.risk
        found.rule_text = RULE_TEXT.get(lsr.review_rule, lsr.review_rule).format(
            days=risk.get("cross_partner_days"), new_days=risk.get("new_partner_days"),
            min_tns=risk.get("new_partner_min_tns"))
    if lsr.review_rule == CROSS_PARTNER and lsr.account_number:
        others = cross_partner_orders(session, account_number=lsr.account_number, ccna=lsr.ccna,
                                      received_at=lsr.received_at,
                                      days=profile.risk.get("cross_partner_days", 0) or 0,
                                      exclude_lsr_id=lsr.id)
        owners = {p.id: p for p in session.scalars(sa.select(Partner).where(
            Partner.id.in_({o.owner_partner_id for o in others})))} if others else {}
        found.others = [(o, owners[o.owner_partner_id]) for o in others]
    return found
