"""Port-out protection per partner for the desk dashboard (business-rules §11.2, §11.3):
disputes and how their holds ended, fraud reviews and how staff decided them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Lsr, OrderHold, Partner

HOLD_OUTCOMES = ("on_hold", "released", "canceled", "expired", "sup_canceled", "superseded",
                 "rejected")
REVIEW_OUTCOMES = ("waiting", "foc", "rejected")


@dataclass
class PartnerProtection:
    name: str
    ccna: str
    disputes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HOLD_OUTCOMES, 0))
    reviews: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REVIEW_OUTCOMES, 0))

    @property
    def dispute_total(self) -> int:
        return sum(self.disputes.values())

    @property
    def review_total(self) -> int:
        return sum(self.reviews.values())


def _review_outcome(status: str) -> str:
    if status == "manual_review":
        return "waiting"
    return "rejected" if status == "rejected" else "foc"  # canceled/expired/completed had one


def protection_by_partner(session: Session, *, since: datetime) -> list[PartnerProtection]:
    """Disputes (holds started) and fraud reviews (LSRs received) since the time, per partner
    (the order's owner), in two grouped queries; partners with none are left out."""
    found: dict[int, PartnerProtection] = {}

    def row(partner_id: int, name: str, ccna: str) -> PartnerProtection:
        return found.setdefault(partner_id, PartnerProtection(name, ccna))

    outcome = sa.func.coalesce(OrderHold.outcome, "on_hold")
    holds = session.execute(
        sa.select(Partner.id, Partner.name, Partner.ccna, outcome, sa.func.count())
        .join(Lsr, Lsr.owner_partner_id == Partner.id).join(OrderHold, OrderHold.lsr_id == Lsr.id)
        .where(OrderHold.started_at >= since)
        .group_by(Partner.id, Partner.name, Partner.ccna, outcome)).all()
    for pid, name, ccna, what, n in holds:
        counts = row(pid, name, ccna).disputes
        counts[what] = counts.get(what, 0) + n
    reviews = session.execute(
        sa.select(Partner.id, Partner.name, Partner.ccna, Lsr.status, sa.func.count())
        .join(Lsr, Lsr.owner_partner_id == Partner.id)
        .where(Lsr.review_rule.is_not(None), Lsr.received_at >= since)
        .group_by(Partner.id, Partner.name, Partner.ccna, Lsr.status)).all()
    for pid, name, ccna, status, n in reviews:
        row(pid, name, ccna).reviews[_review_outcome(str(status))] += n
    return sorted(found.values(), key=lambda p: (-p.dispute_total - p.review_total, p.ccna))
