"""LSR submission (business-rules §4, §5, §7): one call decides FOC, reject or staff review."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, GatewayError, InvalidInput
from gateway.models import Lsr, Partner
from gateway.models.orders import CLOSED_STATUSES, OPEN_STATUSES
from gateway.services.csr.loas import store_loa
from gateway.services.orders import facts as facts_svc, transitions
from gateway.services.orders.context import OrderContext
from gateway.services.partners.directory import acting_owner
from gateway.services.serialize import stored_payload
from validators import check_lsr
from validators.catalog import REJECT_CODES
from validators.facts import LsrDecision
from validators.fields import text_of

PON_RE = re.compile(r"^[A-Za-z0-9]{1,16}$")
VER_RE = re.compile(r"^[A-Za-z0-9]{1,2}$")
# the attestation a requester makes with AGAUTH = Y, kept as evidence in the audit trail (§4.2)
ATTESTATION_TEXT = ("The requester holds the end user's authorization to port the numbers on "
                    "this request (AGAUTH = Y).")
ATTESTATION_VERSION = "2026-12"


@dataclass
class SubmitResult:
    lsr: Lsr
    created: bool  # a version was recorded (201) or an exact duplicate was answered (200)


class ExactDuplicate(Exception):
    """Internal signal: the same PON, VER and content were received before."""

    def __init__(self, lsr: Lsr) -> None:
        super().__init__(lsr.id)
        self.lsr = lsr


def reject_entry(code: str, field: str | None = None, message: str | None = None) -> dict:
    row = REJECT_CODES[code]
    return {"code": code, "field": field or row.field, "message": message or row.message}


def payload_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def valid_pon(body: Any) -> str | None:
    pon = text_of(body, "pon")
    return pon if pon and PON_RE.match(pon) else None


def valid_ver(body: Any) -> str:
    """The VER a version is stored under: the body's valid VER, else "" (never a truncation
    that could collide with a VER the partner sends later, §7.5)."""
    ver = text_of(body, "ver")
    return ver if ver and VER_RE.match(ver) else ""


def own_order_for_pon(session: Session, owner: Partner, sender_id: int, pon: str, *,
                      lock: bool = True) -> Lsr | None:
    """The sender's order for the PON under the owner's CCNA (§7.5: a PON names one order per
    submitting partner and CCNA)."""
    query = sa.select(Lsr).where(Lsr.owner_partner_id == owner.id,
                                 Lsr.submitter_partner_id == sender_id, Lsr.pon == pon)
    return session.scalar(query.with_for_update() if lock else query)


def duplicate_refusal(order: Lsr, body: dict) -> GatewayError | None:
    """§7.5, the one check shared by submissions and dry runs: None when the body may be
    decided on this PON (a resubmission of a rejected order); ExactDuplicate is raised for
    the same PON, VER and content; else the 409 refusal (R507, R508, R509)."""
    ver = text_of(body, "ver")
    same = next((v for v in order.versions if v.ver == ver), None) if ver else None
    if same is not None:
        if same.payload_hash == payload_hash(stored_payload(body)):
            raise ExactDuplicate(order)
        return Conflict(f"PON {order.pon} VER {ver} was already received with different "
                        "content.", code="duplicate_version", rejects=[reject_entry("R507")])
    if order.status in OPEN_STATUSES:
        return Conflict(f"PON {order.pon} already has an open order ({order.status}); send a "
                        "supplement instead.", code="pon_open", rejects=[reject_entry("R508")])
    if order.status in CLOSED_STATUSES:
        return Conflict(f"PON {order.pon} belongs to a {order.status} order; use a new PON.",
                        code="pon_closed", rejects=[reject_entry("R509")])
    if not valid_ver(body):
        return InvalidInput("A resubmission needs a new VER of 1-2 letters or digits.",
                            code="invalid_ver", rejects=[reject_entry("R602", "ver")])
    return None


def submit(ctx: OrderContext, body: dict, *, received_at: datetime | None = None) -> SubmitResult:
    """Submit an LSR; an exact duplicate answers the existing order (created False)."""
    try:
        return _submit(ctx, body, received_at=received_at or ctx.now)
    except ExactDuplicate as dup:
        return SubmitResult(dup.lsr, False)


def _submit(ctx: OrderContext, body: dict, *, received_at: datetime) -> SubmitResult:
    """Record a new LSR or a resubmission on a rejected PON and decide it (§7.4, §7.5)."""
    sender = ctx.sender()
    pon = valid_pon(body)
    owner = acting_owner(ctx.session, sender, text_of(body, "ccna"), "lsr")
    order = transitions.create_order(ctx, owner, pon, received_at=received_at)
    if order is None:  # the sender has an order on this PON
        assert pon is not None
        order = own_order_for_pon(ctx.session, owner, sender.id, pon)
        assert order is not None
        refusal = duplicate_refusal(order, body)
        if refusal is not None:
            raise refusal
    evaluate(ctx, order, body, received_at=received_at)
    return SubmitResult(order, True)


def decide(ctx: OrderContext, order: Lsr | None, body: dict, *, received_at: datetime,
           own_tns: frozenset[str] = frozenset(), verified_passcode_account: str | None = None,
           lock: bool = True, judge_passcode: bool = True) -> LsrDecision:
    """Load the facts for the body's TNs and run the rules engine (no writes).

    `lock`: hold the account's TN rows until the outcome is written (a dry run writes none).
    """
    tns = body.get("tns") if isinstance(body.get("tns"), list) else []
    spids = [s for s in (body.get("nnsp"), body.get("cc")) if isinstance(s, str)]
    nnsp = text_of(body, "nnsp") or text_of(body, "cc")
    ctx.cache.clear()
    keep: dict[str, Any] = {}
    facts = facts_svc.order_facts(ctx.session, ctx.registry, tns, profile=ctx.profile,
                                  now=ctx.now, spids=spids,
                                  exclude_lsr_id=order.id if order is not None else None,
                                  nnsp=nnsp.upper() if nnsp else None, keep=keep,
                                  lock=lock)  # one decision at a time per account (§2.4)
    ctx.cache.accounts = keep.get("accounts", {})
    ctx.cache.open_svs = keep.get("open_svs", (frozenset(), None))
    return check_lsr(body, partner=facts_svc.partner_facts(ctx.session, ctx.sender()),
                     facts=facts, profile=ctx.profile, received_at=received_at,
                     issued_at=ctx.now, own_order_tns=own_tns, manual_entry=ctx.manual,
                     verified_passcode_account=verified_passcode_account,
                     judge_passcode=judge_passcode)


def evaluate(ctx: OrderContext, order: Lsr, body: dict, *, received_at: datetime) -> LsrDecision:
    """Decide a new version of the order as a new receipt and record its outcome (§7.4)."""
    decision = decide(ctx, order, body, received_at=received_at)
    payload = stored_payload(body)
    received = transitions.Received(
        ver=valid_ver(body), sup=None, payload=payload, payload_hash=payload_hash(payload),
        received_at=received_at, details=_attestation(ctx, body))
    transitions.decide_received(ctx, order, received, decision)
    store_agent_loa(ctx, order, body)
    return decision


def _attestation(ctx: OrderContext, body: dict) -> dict[str, Any]:
    """The audit details of a received LSR: its channel and, for AGAUTH = Y, the attestation
    as the CSR request keeps it (text, version, user, time)."""
    agauth = body.get("agauth") if isinstance(body.get("agauth"), str) else None
    details: dict[str, Any] = {"channel": ctx.channel, "agauth": agauth}
    if agauth is not None and agauth.strip().upper() == "Y":
        details["attestation"] = {"text": ATTESTATION_TEXT, "version": ATTESTATION_VERSION,
                                  "user": ctx.actor.label, "user_id": ctx.actor.user_id,
                                  "attested_at": ctx.now.isoformat()}
    return details


def store_agent_loa(ctx: OrderContext, order: Lsr, body: dict) -> None:
    sender = ctx.sender()
    if sender.is_agent and isinstance(body.get("loa"), dict) and order.status != "rejected":
        order.loa_id = store_loa(ctx.session, sender, body["loa"], now=ctx.now).id
