"""The staff work queue: orders in review, partner notes awaiting an answer and open
escalations, soonest due first (§4.4, §13.1). Each kind is one query, used both for the list
and for the desk's tiles, so that a tile counts exactly the rows its link shows."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Escalation, Lsr, OrderHold

KINDS = ("lsr", "escalation", "note")


def _held(overdue_at: datetime | None) -> sa.Select:
    """Orders on hold after the end user's dispute (§11.2), with the hold's decision time."""
    query = sa.select(Lsr.id, sa.literal("dispute").label("reason"),
                      OrderHold.due_at.label("due_at")).join(
        OrderHold, sa.and_(OrderHold.lsr_id == Lsr.id, OrderHold.ended_at.is_(None))).where(
        Lsr.hold.is_not(None))
    return query if overdue_at is None else query.where(OrderHold.due_at < overdue_at)


def _in_review(overdue_at: datetime | None) -> sa.Select:
    """Orders awaiting a staff decision, with their FOC due time (§5.4, §7.2)."""
    query = sa.select(Lsr.id, Lsr.review_reason.label("reason"),
                      Lsr.foc_due_at.label("due_at")).where(Lsr.status == "manual_review",
                                                            Lsr.hold.is_(None))  # held: _held
    return query if overdue_at is None else query.where(Lsr.foc_due_at < overdue_at)


def _notes(overdue_at: datetime | None) -> sa.Select:
    """Orders whose partner note awaits the desk's answer (§13.1; id: the order's)."""
    query = sa.select(Lsr.id, sa.literal("note").label("reason"),
                      Lsr.note_due_at.label("due_at")).where(Lsr.note_due_at.is_not(None))
    return query if overdue_at is None else query.where(Lsr.note_due_at < overdue_at)


def _escalations(overdue_at: datetime | None) -> sa.Select:
    """Escalations waiting for acknowledgement (§8.2)."""
    query = sa.select(Escalation.id, sa.literal("escalation").label("reason"),
                      Escalation.ack_due_at.label("due_at")).where(
        Escalation.acknowledged_at.is_(None), Escalation.resolved_at.is_(None))
    return query if overdue_at is None else query.where(Escalation.ack_due_at < overdue_at)


# kind -> its queries, held orders first (§11.2)
_SOURCES = {"lsr": (_held, _in_review), "note": (_notes,), "escalation": (_escalations,)}


def work_queue(session: Session, *, kind: str | None = None, overdue_at: datetime | None = None,
               limit: int = 500) -> list[dict]:
    """Held orders first, then orders in review, partner notes awaiting the desk and
    unacknowledged escalations, soonest due first (api-contract §4.4); `kind` keeps one kind,
    `overdue_at` only the items due before that instant."""
    held: list[dict] = []
    items: list[dict] = []
    for source_kind, sources in _SOURCES.items():
        if kind not in (None, source_kind):
            continue
        for source in sources:
            query = source(overdue_at)
            rows = session.execute(query.order_by(query.selected_columns.due_at,
                                                  query.selected_columns[0]).limit(limit)).all()
            found = [{"kind": source_kind, "id": i, "reason": r, "due_at": d}
                     for i, r, d in rows]
            (held if source is _held else items).extend(found)
    far = datetime.max.replace(tzinfo=None)
    items.sort(key=lambda item: (item["due_at"].replace(tzinfo=None) if item["due_at"] else far))
    return held + items


def queue_count(session: Session, *, kind: str, overdue_at: datetime | None = None) -> int:
    """How many items `work_queue(kind=..., overdue_at=...)` lists (its own queries)."""
    return sum(session.scalar(sa.select(sa.func.count()).select_from(
        source(overdue_at).subquery())) or 0 for source in _SOURCES[kind])
