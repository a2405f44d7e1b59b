"""Read models for dashboards: counts computed in the database, a handful of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Escalation, Lsr
from validators.profile import CarrierProfile


@dataclass
class PartnerSummary:
    open_orders: int = 0
    due_today: int = 0
    due_this_week: int = 0
    rejected_waiting: int = 0
    overdue: int = 0
    recent: list = field(default_factory=list)


def _visible(partner_id: int):
    return sa.or_(Lsr.owner_partner_id == partner_id, Lsr.submitter_partner_id == partner_id)


def partner_summary(session: Session, partner_id: int, *, now: datetime,
                    profile: CarrierProfile) -> PartnerSummary:
    """Open orders, due today and this week, rejects awaiting a fix, overdue FOC clocks."""
    today = now.astimezone(ZoneInfo("America/Los_Angeles")).date()
    week_end = today + timedelta(days=6 - today.weekday())
    counts = session.execute(
        sa.select(
            sa.func.count().filter(Lsr.status.in_(("foc", "manual_review"))),
            sa.func.count().filter(Lsr.status == "foc", Lsr.due_date == today),
            sa.func.count().filter(Lsr.status == "foc", Lsr.due_date.between(today, week_end)),
            sa.func.count().filter(Lsr.status == "rejected"),
            sa.func.count().filter(Lsr.status == "manual_review", Lsr.foc_due_at < now),
        ).where(_visible(partner_id))).one()
    recent = session.scalars(sa.select(Lsr).where(_visible(partner_id))
                             .order_by(Lsr.updated_at.desc()).limit(10)).all()
    return PartnerSummary(*counts, recent=list(recent))


def staff_summary(session: Session, *, now: datetime) -> dict[str, int]:
    """Counts for the staff desk: work waiting and overdue."""
    lsr_counts = session.execute(sa.select(
        sa.func.count().filter(Lsr.status == "manual_review"),
        sa.func.count().filter(Lsr.status == "manual_review", Lsr.foc_due_at < now),
        sa.func.count().filter(Lsr.status == "foc"),
    )).one()
    esc_counts = session.execute(sa.select(
        sa.func.count().filter(Escalation.acknowledged_at.is_(None)),
        sa.func.count().filter(Escalation.acknowledged_at.is_(None), Escalation.ack_due_at < now),
    )).one()
    return {"review": lsr_counts[0], "review_overdue": lsr_counts[1], "open_focs": lsr_counts[2],
            "escalations": esc_counts[0], "escalations_overdue": esc_counts[1]}
