"""An order's story for its page: versions, supplements, notices, NPAC events, escalations,
and its live clocks (FOC due §5.4, porting window §5.5)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Delivery, Escalation, Lsr, Notice, OrderHold
from gateway.services.identity import people
from gateway.services.orders.cut import cut_time_of
from npac.interface import Registry
from validators.calendar import porting_window
from validators.carrier_profile import CarrierProfile

SUP_NAMES = {"1": "Cancel (SUP 1)", "2": "New due date (SUP 2)", "3": "Correction (SUP 3)"}


@dataclass
class Event:
    at: datetime
    kind: str  # version | supplement | notice | npac | escalation
    title: str
    detail: str = ""
    status: str | None = None
    rejects: list[dict[str, Any]] = field(default_factory=list)
    who: str | None = None
    next_try: datetime | None = None  # a notice being retried: when the next try is due


@dataclass
class Clock:
    label: str
    deadline: datetime
    state: str  # running | overdue | closed | opens
    note: str = ""


def order_timeline(session: Session, registry: Registry, lsr: Lsr) -> list[Event]:
    """Every step of the order, oldest first (four queries plus one NPAC batch); a notice
    carries its delivery state (queued, sent, retrying, dead-lettered, no recipients)."""
    events = _versions(session, lsr) + _notices(session, lsr) + _escalations(session, lsr)
    events += _npac(registry, lsr) + _holds(session, lsr)
    return sorted(events, key=lambda e: (e.at, _RANK[e.kind]))


_RANK = {"version": 0, "supplement": 0, "hold": 1, "npac": 1, "escalation": 2, "notice": 3}
_HOLD_ENDS = {"released": "Hold released by the LNP desk",
              "canceled": "Canceled by the LNP desk (end user dispute)",
              "expired": "Hold ended: the order expired", "sup_canceled": "Hold ended: SUP 1",
              "superseded": "Hold ended: the correction left no FOC to hold",
              "rejected": "Hold ended: the LNP desk rejected the order"}


def _holds(session: Session, lsr: Lsr) -> list[Event]:
    """The end user's dispute and how the hold ended (§11.2)."""
    events = []
    for held in session.scalars(sa.select(OrderHold).where(OrderHold.lsr_id == lsr.id)):
        events.append(Event(held.started_at, "hold", "Disputed by the end user: order on hold",
                            "Activation refused; pending SVs in conflict (cause 54).",
                            "dispute"))
        if held.ended_at is not None:
            events.append(Event(held.ended_at, "hold",
                                _HOLD_ENDS.get(held.outcome or "", "Hold ended"),
                                held.remarks or "", held.outcome))
    return events


def _versions(session: Session, lsr: Lsr) -> list[Event]:
    ids = {v.user_id for v in lsr.versions if v.user_id}
    names = people.labels(session, ids)  # "Full Name (username) · phone" (§1.3.2)
    events = []
    for v in lsr.versions:
        if v.sup:
            title = f"VER {v.ver} · {SUP_NAMES.get(v.sup, 'SUP ' + v.sup)}"
        else:
            title = f"VER {v.ver} · LSR received"
        detail = f"Due date {v.due_date.isoformat()}" if v.due_date else ""
        if v.note:
            detail = (detail + " · " if detail else "") + f"Desk remarks: {v.note}"
        events.append(Event(v.at, "supplement" if v.sup else "version", title, detail,
                            v.status, list(v.rejects or []), names.get(v.user_id or 0)))
    return events


# a notice's state is its least advanced delivery's (business-rules §10.3)
NOTICE_STATES = ("dead-lettered", "retrying", "queued", "sent")
_TITLES = {"queued": "Notice queued", "sent": "Notice sent", "retrying": "Notice retrying",
           "dead-lettered": "Notice dead-lettered", "no recipients": "Notice not sent"}


@dataclass
class ChannelState:
    delivery_id: int
    channel: str  # email | webhook
    state: str  # queued | sent | retrying | dead-lettered
    attempts: int
    next_try: datetime | None
    sent_at: datetime | None


@dataclass
class NoticeState:
    notice: Notice
    state: str  # queued | sent | retrying | dead-lettered | no recipients
    channels: list[ChannelState]
    next_try: datetime | None = None

    @property
    def title(self) -> str:
        return f"{_TITLES[self.state]}: {self.notice.subject}"

    @property
    def detail(self) -> str:
        parts = [self.notice.event]
        if not self.channels:
            parts.append("no recipients: nobody holds this contact type and no webhook is set")
        parts += [f"{c.channel} {c.state}" for c in self.channels]
        return " · ".join(parts)


def _channel_state(status: str, attempts: int) -> str:
    if status == "sent":
        return "sent"
    if status == "dead":
        return "dead-lettered"
    return "retrying" if attempts else "queued"


def order_notices(session: Session, lsr: Lsr, *,
                  partner_ids: set[int | None] | None = None) -> list[NoticeState]:
    """The order's notices with their real delivery state (one query for all of them): those
    to the partners given, or every one (the desk's view) when None."""
    query = (sa.select(Notice, Delivery.id, Delivery.channel, Delivery.status,
                       Delivery.attempts, Delivery.next_attempt_at, Delivery.sent_at)
             .outerjoin(Delivery, Delivery.notice_id == Notice.id)
             .where(Notice.lsr_id == lsr.id).order_by(Notice.id, Delivery.id))
    if partner_ids is not None:
        query = query.where(Notice.partner_id.in_(partner_ids))
    found: dict[int, NoticeState] = {}
    for notice, delivery_id, channel, status, attempts, next_at, sent_at in session.execute(query):
        item = found.setdefault(notice.id, NoticeState(notice, "no recipients", []))
        if delivery_id is None:
            continue
        state = _channel_state(status, attempts)
        item.channels.append(ChannelState(delivery_id, channel, state, attempts,
                                          next_at if state == "retrying" else None, sent_at))
    for item in found.values():
        if item.channels:
            item.state = min((c.state for c in item.channels), key=NOTICE_STATES.index)
            retries = [c.next_try for c in item.channels if c.next_try]
            item.next_try = min(retries) if retries else None
    return list(found.values())


def _notices(session: Session, lsr: Lsr) -> list[Event]:
    items = order_notices(session, lsr,
                          partner_ids={lsr.owner_partner_id, lsr.submitter_partner_id})
    return [Event(n.notice.created_at, "notice", n.title, n.detail, n.state,
                  next_try=n.next_try) for n in items]


def _escalations(session: Session, lsr: Lsr) -> list[Event]:
    events = []
    for e in session.scalars(sa.select(Escalation).where(Escalation.lsr_id == lsr.id)):
        label = e.reason.replace("_", " ")
        events.append(Event(e.created_at, "escalation", f"Escalated: {label}", e.text,
                            f"level {e.level}"))
        if e.acknowledged_at:
            events.append(Event(e.acknowledged_at, "escalation", "Escalation acknowledged by "
                                "the desk", "", "acknowledged"))
        if e.resolved_at:
            events.append(Event(e.resolved_at, "escalation", "Escalation resolved",
                                e.resolution or "", "resolved"))
    return events


def _npac(registry: Registry, lsr: Lsr) -> list[Event]:
    if not lsr.foc_tns or not lsr.nnsp:
        return []
    events = []
    for sv in registry.subscriptions_for_tns(list(lsr.foc_tns)):
        if sv.new_spid != lsr.nnsp or sv.created_at < lsr.created_at:
            continue
        state = "concurred" if sv.concurred else f"conflict (cause {sv.conflict_cause})"
        events.append(Event(sv.created_at, "npac", f"NPAC: SV created for {sv.tn}",
                            f"New SPID {sv.new_spid}, LRN {sv.lrn}; {state}", sv.status))
        if sv.activated_at:
            events.append(Event(sv.activated_at, "npac", f"NPAC: {sv.tn} activated",
                                f"Now served by {sv.new_spid}", "active"))
        if sv.canceled_at:
            events.append(Event(sv.canceled_at, "npac", f"NPAC: SV for {sv.tn} canceled", "",
                                "canceled"))
    return events


def clocks(lsr: Lsr, *, now: datetime, profile: CarrierProfile) -> list[Clock]:
    """The clocks that run on the order now: the desk's FOC due time, the porting window."""
    result = []
    if lsr.status == "manual_review" and lsr.foc_due_at:
        result.append(Clock("FOC due from the desk", lsr.foc_due_at,
                            "overdue" if lsr.foc_due_at < now else "running",
                            f"{lsr.review_reason or 'review'} · business-rules §5.4"))
    if lsr.status == "foc" and lsr.due_date and lsr.window_ends_at:
        cut = cut_time_of(lsr)  # §13.2: a coordinated cut opens the window at its time
        opens = porting_window(lsr.due_date, lsr.state, profile, cut)[0] if lsr.state else None
        if opens and now < opens:
            result.append(Clock("Porting window opens", opens, "opens",
                                f"Activate in NPAC from {lsr.due_date.isoformat()} "
                                f"{f'{cut:%H:%M}' if cut else '00:00'} local"))
        result.append(Clock("Porting window closes", lsr.window_ends_at,
                            "closed" if lsr.window_ends_at < now else "running",
                            "Unactivated orders expire then (§5.5)"))
    return result
