"""The staff work queue: orders in review, partner notes awaiting an answer and open
escalations, soonest due first (§4.4, §13.1)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Escalation, Lsr, OrderHold


def work_queue(session: Session, *, limit: int = 500) -> list[dict]:
    """Orders in review, partner notes awaiting the desk and unacknowledged escalations,
    soonest due first (api-contract §4.4)."""
    orders = session.execute(sa.select(Lsr.id, Lsr.review_reason, Lsr.foc_due_at).where(
        Lsr.status == "manual_review").order_by(Lsr.foc_due_at).limit(limit)).all()
    escalations = session.execute(sa.select(Escalation.id, Escalation.ack_due_at).where(
        Escalation.acknowledged_at.is_(None), Escalation.resolved_at.is_(None))
        .order_by(Escalation.ack_due_at).limit(limit)).all()
    items = [{"kind": "lsr", "id": i, "reason": r, "due_at": d} for i, r, d in orders]
    # §13.1: a partner's note awaiting the desk's answer (id: the order's)
    noted = session.execute(sa.select(Lsr.id, Lsr.note_due_at).where(
        Lsr.note_due_at.is_not(None)).order_by(Lsr.note_due_at).limit(limit)).all()
    items += [{"kind": "note", "id": i, "reason": "note", "due_at": d} for i, d in noted]
    items += [{"kind": "escalation", "id": i, "reason": "escalation", "due_at": d}
              for i, d in escalations]
    far = datetime.max.replace(tzinfo=None)
    items.sort(key=lambda item: (item["due_at"].replace(tzinfo=None) if item["due_at"] else far))
    return held_orders(session, limit=limit) + items


def held_orders(session: Session, *, limit: int = 500) -> list[dict]:
    """Orders on hold after the end user's dispute: before every other item (§11.2)."""
    rows = session.execute(sa.select(Lsr.id, OrderHold.due_at).join(
        OrderHold, sa.and_(OrderHold.lsr_id == Lsr.id, OrderHold.ended_at.is_(None)))
        .where(Lsr.hold.is_not(None)).order_by(OrderHold.due_at, Lsr.id).limit(limit)).all()
    return [{"kind": "lsr", "id": i, "reason": "dispute", "due_at": d} for i, d in rows]
