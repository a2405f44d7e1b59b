"""What the LNP desk sees before it decides (§5, §7.2): the order's dates and the work queue."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from gateway.models import Escalation, EscalationContact, Lsr, Partner
from gateway.services.desk.queue import KINDS, work_queue
from gateway.services.orders import decisions, transitions
from gateway.services.orders.context import OrderContext
from validators.calendar import is_business_day, next_business_day, on_or_next_business_day
from validators.due_dates import earliest_due_date, interval_for

SOON = timedelta(hours=1)  # a queue item due within the hour is flagged "due soon"


@dataclass(frozen=True)
class DecisionDates:
    """The dates behind a staff FOC decision, computed by the rules engine's own helpers."""

    receipt_day: date | None
    requested: date | None  # the DDD as the partner sent it
    earliest: date | None  # receipt day + the standard interval (§5.2); None for a project
    proposed: date | None  # the date the engine proposes (the standard date, or a project's DDD)
    first_allowed: date | None  # the first business day on or after receipt day and today (§7.2)
    interval_days: int | None
    requested_is_business_day: bool
    grant_refusal: str | None = None  # why the DDD may not be given as it is (§7.2)
    # §5.3: a computed FOC date is never before the first business day after the day the FOC
    # is issued — today, when the desk decides (a fax entered late, a desk deciding late)
    issue_floor: date | None = None

    def _offered(self, day: date | None) -> date | None:
        return day if day is None or self.issue_floor is None else max(day, self.issue_floor)

    @property
    def standard(self) -> date | None:
        """The standard date as the desk can give it now: the earliest standard date, or the
        §5.3 floor when that is later (what "Decline: FOC on the standard date" gives)."""
        return self._offered(self.earliest)

    @property
    def offered(self) -> date | None:
        """The engine's proposal as the desk can give it now (the §5.3 floor applied)."""
        return self._offered(self.proposed)

    @property
    def inside_interval(self) -> bool:
        """An expedite: the DDD is before the earliest standard due date."""
        return bool(self.requested and self.earliest and self.requested < self.earliest)

    @property
    def grant_date(self) -> date | None:
        """The date that grants what the partner asked for, if staff may give it (§7.2)."""
        return self.requested if self.grant_refusal is None else None


def decision_dates(ctx: OrderContext, lsr: Lsr) -> DecisionDates:
    """Compute the receipt day, DDD, earliest standard date and first allowed FOC date, and
    whether the DDD may be granted as it is (the check the decision itself makes)."""
    profile = ctx.profile
    reqtyp = str(lsr.payload.get("reqtyp") or "CB") if isinstance(lsr.payload, dict) else "CB"
    n_tns = len(lsr.tns)
    _kind, days, _handling = interval_for(reqtyp, lsr.port_type, n_tns)
    earliest = None
    if lsr.receipt_day is not None and days is not None and lsr.port_type != "project":
        earliest = earliest_due_date(lsr.receipt_day, days, profile)
    today = transitions.local_date(ctx, lsr)
    floor = max((d for d in (lsr.receipt_day, today) if d is not None), default=None)
    requested = decisions.requested_date(lsr)
    return DecisionDates(
        receipt_day=lsr.receipt_day, requested=requested, earliest=earliest,
        proposed=lsr.due_date,
        first_allowed=on_or_next_business_day(floor, profile) if floor else None,
        interval_days=None if lsr.port_type == "project" else days,
        requested_is_business_day=bool(requested and is_business_day(requested, profile)),
        grant_refusal=decisions.date_refusal(ctx, lsr, requested),
        issue_floor=next_business_day(today, profile) if today else None)


@dataclass
class QueueRow:
    """One line of the work queue, with what the desk needs to pick it up."""

    kind: str  # lsr | escalation | note
    id: int
    reason: str  # a review reason (§7.2) | escalation | note
    due_at: datetime | None
    lsr_id: int | None
    pon: str | None
    order_number: str | None
    ccna: str
    partner_name: str
    state: str | None
    detail: str
    overdue: bool = False
    due_soon: bool = False


def _order_rows(session: Session, ids: list[int]) -> dict[int, QueueRow]:
    rows = session.execute(sa.select(Lsr, Partner.ccna, Partner.name).join(
        Partner, Partner.id == Lsr.owner_partner_id).where(Lsr.id.in_(ids))).all() if ids else []
    found = {}
    for lsr, ccna, name in rows:
        tns = len(lsr.foc_tns or [])
        ddd = lsr.payload.get("ddd") if isinstance(lsr.payload, dict) else None
        detail = f"{tns} TN{'s' if tns != 1 else ''} · DDD {ddd or '—'} · {lsr.channel}"
        if lsr.awaiting_partner:  # §13.1: the desk asked the partner for information
            detail += " · awaiting partner"
        found[lsr.id] = QueueRow("lsr", lsr.id, lsr.review_reason or "review", lsr.foc_due_at,
                                 lsr.id, lsr.pon, lsr.order_number, ccna, name,
                                 lsr.state or _eu_state(lsr), detail)
    return found


def _eu_state(lsr: Lsr) -> str | None:
    eu = lsr.payload.get("eu") if isinstance(lsr.payload, dict) else None
    state = eu.get("state") if isinstance(eu, dict) else None
    return state.upper() if isinstance(state, str) and state else None


def _escalation_rows(session: Session, ids: list[int]) -> dict[int, QueueRow]:
    """Escalations with the partner that owns the order (an agent that raised one is named in
    the detail, not as the partner: issue 15)."""
    if not ids:
        return {}
    raiser = aliased(Partner)
    rows = session.execute(
        sa.select(Escalation, Lsr.pon, Lsr.order_number, Partner.ccna, Partner.name,
                  raiser.ccna, raiser.name, EscalationContact.name)
        .join(raiser, raiser.id == Escalation.partner_id)
        .outerjoin(Lsr, Lsr.id == Escalation.lsr_id)
        .join(Partner, Partner.id == sa.func.coalesce(Lsr.owner_partner_id,
                                                      Escalation.partner_id))
        .outerjoin(EscalationContact, sa.and_(EscalationContact.state == Escalation.state,
                                              EscalationContact.level == Escalation.level))
        .where(Escalation.id.in_(ids))).all()
    found = {}
    for esc, pon, number, ccna, name, by_ccna, by_name, contact in rows:
        detail = (f"{esc.reason.replace('_', ' ')} · level {esc.level}"
                  + (f" ({contact})" if contact else "")
                  + (f" · raised by agent {by_name} ({by_ccna})" if by_ccna != ccna else ""))
        found[esc.id] = QueueRow("escalation", esc.id, "escalation", esc.ack_due_at, esc.lsr_id,
                                 pon, number, ccna, name, esc.state, detail)
    return found


def queue_rows(session: Session, *, now: datetime, kind: str | None = None,
               overdue: bool = False) -> list[QueueRow]:
    """The staff work queue (the API's order, soonest due first) with its details; `kind`
    keeps one kind, `overdue` only items past their due time (the desk's tiles count these
    same queries: queue.queue_count)."""
    items = work_queue(session, kind=kind if kind in KINDS else None,
                       overdue_at=now if overdue else None)
    orders = _order_rows(session, [i["id"] for i in items if i["kind"] in ("lsr", "note")])
    escalations = _escalation_rows(session, [i["id"] for i in items if i["kind"] == "escalation"])
    rows = []
    for item in items:
        row = (escalations if item["kind"] == "escalation" else orders).get(item["id"])
        if row is None:
            continue
        if item["kind"] == "note":  # §13.1: the partner's note awaits the desk's answer
            row = replace(row, kind="note", reason="note", due_at=item["due_at"],
                          detail="partner's note awaits an answer · " + row.detail)
        else:
            row.reason, row.due_at = item["reason"], item["due_at"]  # a hold's own clock (§11.2)
        if row.due_at is not None:
            row.overdue = row.due_at < now
            row.due_soon = not row.overdue and row.due_at - now <= SOON
        rows.append(row)
    return rows
