"""The end user's dispute (business-rules §11.2): the page behind the link, the dispute that
puts the order on hold, and the desk's release or cancel of a held order."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import GatewayError, InvalidInput
from gateway.models import AuditEvent, Lsr, Partner
from gateway.services import audit
from gateway.services.identity.actors import Actor
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from gateway.services.protection.links import live_link, use_links
from validators.calendar import add_business_hours

HOLD_DUE_BUSINESS_HOURS = 4  # the held order heads the desk's queue, due 4 business hours on
# at most this many refused (unknown, used or expired) links per client address per window
REFUSED_LIMIT, REFUSED_WINDOW = 10, timedelta(minutes=10)


class TooManyAttempts(GatewayError):
    """Too many invalid links from one address: 429, tried again later."""

    status, code = 429, "rate_limited"


@dataclass(frozen=True)
class DisputeView:
    """What the end user sees behind the link: no CPNI beyond the port it asks about."""

    order_number: str
    tns: list[str]
    requesting_carrier: str
    due_date: date | None
    carrier_name: str
    enduser_phone: str


def end_user(ip: str | None) -> Actor:
    """The end user acting through the link (no account: known by the address only)."""
    return Actor(None, "end user (dispute link)", ip=(ip or "")[:64] or None)


def check_rate(session: Session, ip: str | None, *, now: datetime) -> None:
    """Refuse (429) an address that sent too many invalid links lately (guessing tokens)."""
    if not ip:
        return
    refused = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "dispute_link.refused", AuditEvent.object_type == "client",
        AuditEvent.object_id == ip[:40], AuditEvent.at > now - REFUSED_WINDOW)) or 0
    if refused >= REFUSED_LIMIT:
        raise TooManyAttempts("Too many invalid links from your network; try again later.",
                              retry_after=int(REFUSED_WINDOW.total_seconds()))


def note_refused(session: Session, ip: str | None, *, now: datetime) -> None:
    """Write down an invalid link (what counts toward the address's limit)."""
    if ip:
        audit.record(session, end_user(ip), "dispute_link.refused", "client", ip[:40], now=now)


def view(session: Session, token: str, *, carrier_name: str, enduser_phone: str
         ) -> DisputeView | None:
    """The page's content while the link works, else None (the page answers 404)."""
    found = live_link(session, token)
    if found is None:
        return None
    _link, order = found
    owner = session.get(Partner, order.owner_partner_id)
    return DisputeView(order_number=order.order_number, tns=[str(t) for t in order.foc_tns],
                       requesting_carrier=f"{owner.name} ({owner.ccna})" if owner else order.ccna,
                       due_date=order.due_date, carrier_name=carrier_name,
                       enduser_phone=enduser_phone)


def dispute(ctx: OrderContext, token: str) -> Lsr | None:
    """Dispute the port: the order goes on hold and every link of it is used up. None when the
    link does not work (nothing changes)."""
    found = live_link(ctx.session, token, for_update=True)
    if found is None:
        return None
    return dispute_order(ctx, found[1])


def dispute_order(ctx: OrderContext, order: Lsr) -> Lsr:
    """Put the order on hold for the end user's dispute (due 4 business hours later, §11.2)
    and use up its links."""
    due_at = add_business_hours(ctx.now, HOLD_DUE_BUSINESS_HOURS, order.state, ctx.profile) \
        if order.state else ctx.now
    transitions.hold(ctx, order, due_at=due_at)
    use_links(ctx.session, order, now=ctx.now)
    return order


HOLD_ACTIONS = ("release", "cancel")


def decide_hold(ctx: OrderContext, order: Lsr, *, action: str, remarks: str = "") -> Lsr:
    """The desk releases a held order or cancels it (end_user_dispute); 409 not_on_hold when
    the order is not held."""
    if action not in HOLD_ACTIONS:
        raise InvalidInput("action must be release or cancel.", code="bad_request",
                           fields={"action": "release | cancel"})
    remarks = remarks.strip()[:500]
    if action == "release":
        transitions.release(ctx, order, remarks=remarks)
    else:
        transitions.cancel_held(ctx, order, remarks=remarks)
    return order
