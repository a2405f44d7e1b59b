"""The partner dashboard's tiles: each a named set of orders, defined once, so that a tile's
count and the list its link opens are the same query (issue 15: "Open orders 17" opened 16)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Lsr
from gateway.models.orders import OPEN_STATUSES, LsrStatus

Clause = sa.ColumnElement[bool]


@dataclass(frozen=True)
class Moment:
    """When the sets are judged: the instant (clocks) and the reader's local date (due dates)."""

    now: datetime
    today: date

    @property
    def week_end(self) -> date:
        """The Sunday that ends the reader's week."""
        return self.today + timedelta(days=6 - self.today.weekday())


@dataclass(frozen=True)
class OrderSet:
    """One tile: its key (the list's `show=`), its label and what the list shows."""

    key: str
    label: str
    description: str
    where: Callable[[Moment], Clause]


ORDER_SETS: dict[str, OrderSet] = {s.key: s for s in (
    OrderSet("open", "Open orders", "orders with an FOC or awaiting the carrier's desk",
             lambda m: Lsr.status.in_(OPEN_STATUSES)),
    OrderSet("due_today", "Due today", "FOCs due today",
             lambda m: sa.and_(Lsr.status == LsrStatus.FOC, Lsr.due_date == m.today)),
    OrderSet("due_this_week", "Due this week", "FOCs due from today to Sunday",
             lambda m: sa.and_(Lsr.status == LsrStatus.FOC,
                               Lsr.due_date.between(m.today, m.week_end))),
    OrderSet("rejected", "Rejects waiting for a fix", "rejected orders to correct and resend",
             lambda m: Lsr.status == LsrStatus.REJECTED),
    # the order page's "FOC due from the desk" clock shows "overdue" exactly then (§5.4)
    OrderSet("overdue", "Overdue clocks",
             "orders awaiting the carrier's desk past their FOC due time (§5.4)",
             lambda m: sa.and_(Lsr.status == LsrStatus.MANUAL_REVIEW, Lsr.foc_due_at < m.now)),
)}


def in_set(key: str, moment: Moment) -> Clause:
    """The SQL condition of the named set (the list's filter and the tile's count)."""
    return ORDER_SETS[key].where(moment)


def count_sets(session: Session, visible: Clause, moment: Moment) -> dict[str, int]:
    """Every tile's count among the visible orders, in one query."""
    keys = list(ORDER_SETS)
    row = session.execute(sa.select(
        *[sa.func.count().filter(in_set(k, moment)) for k in keys]).where(visible)).one()
    return {k: int(n) for k, n in zip(keys, row, strict=True)}
