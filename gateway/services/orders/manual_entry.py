"""Requests received by fax or email and entered by the LNP desk (business-rules §5.1, §8.1).

Entered requests go through the same services as electronic ones (`lsr.submit`,
`supplements.supplement`, `csr.request_csr`) with the channel and the received time staff
record; only the manual-state rule R701 does not apply to them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import CsrRequest, Partner
from gateway.services.csr import requests as csr_svc
from gateway.services.identity.actors import Actor
from gateway.services.orders import submit as lsr_svc
from gateway.services.orders import supplements
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest
from npac.interface import Registry
from validators.carrier_profile import CarrierProfile

MANUAL_CHANNELS = ("fax", "email")
MAX_AGE = timedelta(days=30)  # older than the DDD horizon of §5.3: re-request it instead


def check_received_at(received_at: datetime | None, *, now: datetime) -> datetime:
    """Refuse a received time that is missing, naive, in the future or older than 30 days."""
    if received_at is None or received_at.tzinfo is None:
        raise InvalidInput("Enter the date and time the fax or email was received.",
                           code="invalid_received_at", field="received_at")
    if received_at > now:
        raise InvalidInput("The received time is in the future; enter the time on the fax or "
                           "email header.", code="invalid_received_at", field="received_at")
    if now - received_at > MAX_AGE:
        raise InvalidInput("The request was received more than 30 days ago; ask the partner to "
                           "send it again.", code="invalid_received_at", field="received_at")
    return received_at


def _check_sender(partner: Partner, channel: str) -> None:
    if channel not in MANUAL_CHANNELS:
        raise InvalidInput(f"The channel must be one of {', '.join(MANUAL_CHANNELS)}.",
                           code="invalid_channel", field="channel")
    if partner.status != "active":
        raise InvalidInput(f"{partner.name} ({partner.ccna}) is {partner.status}: its requests "
                           "are not accepted.", code="partner_not_active", field="partner")


def enter_lsr(ctx: OrderContext, req: LsrRequest, *,
              received_at: datetime) -> lsr_svc.SubmitResult:
    """Record an LSR received by fax or email as of its received time, and decide it."""
    _check_entry(ctx, received_at)
    return lsr_svc.submit(ctx, req, received_at=received_at)


def enter_supplement(ctx: OrderContext, req: LsrRequest, *,
                     received_at: datetime) -> supplements.SupplementResult:
    """Record a supplement received by fax or email (a SUP on the partner's PON, §6) as of its
    received time, and apply it: how a manual-only state's orders are canceled or changed."""
    _check_entry(ctx, received_at)
    return supplements.supplement(ctx, supplements.order_for_pon(ctx, req), req,
                                  received_at=received_at)


def _check_entry(ctx: OrderContext, received_at: datetime) -> None:
    _check_sender(ctx.sender(), ctx.channel)
    if not ctx.manual:
        raise InvalidInput("Manual entry needs a manual context.", code="invalid_channel")
    check_received_at(received_at, now=ctx.now)


def enter_csr(session: Session, registry: Registry, body: dict[str, Any], *, partner: Partner,
              actor: Actor, now: datetime, profile: CarrierProfile, channel: str,
              received_at: datetime) -> CsrRequest:
    """Record a CSR request received by fax or email and answer it at once (§3.5)."""
    _check_sender(partner, channel)
    check_received_at(received_at, now=now)
    return csr_svc.request_csr(session, registry, body, partner=partner, actor=actor, now=now,
                               profile=profile, channel=channel, received_at=received_at,
                               manual=True)
