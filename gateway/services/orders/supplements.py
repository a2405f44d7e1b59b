"""Supplements to an order (business-rules §6): cancel, new due date, other change."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gateway.errors import Conflict, NotFound
from gateway.models import Account, EscalationContact, Lsr, LsrVersion, Partner
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest, passcode_proof_of, recorded_body
from gateway.services.orders.submit import decide, own_order_for_pon, reject_entry
from gateway.services.policy import Action, may, scope_for
from gateway.services.serialize import lsr_body
from validators import check_supplement
from validators.authorization import ANY_CONTACT
from validators.catalog import finding
from validators.facts import LsrDecision, OrderState
from validators.fields import text_of
from validators.passcode import proof_matches

MERGE_EXCLUDED = ("sup", "ver", "pon", "ccna")


@dataclass
class SupplementResult:
    lsr: Lsr
    sup: str | None
    ver: str | None
    status: str  # accepted | rejected
    rejects: list[dict[str, Any]]
    due_date: str | None

    def body(self) -> dict[str, Any]:
        return {"lsr": lsr_body(self.lsr),
                "supplement": {"sup": self.sup, "ver": self.ver, "status": self.status,
                               "rejects": self.rejects, "due_date": self.due_date}}


def unknown_pon(pon: object) -> NotFound:
    return NotFound(f"No order found for PON {pon!r}.", code="unknown_pon",
                    rejects=[reject_entry("R506")])


def order_for_pon(ctx: OrderContext, req: LsrRequest) -> Lsr:
    """The sender's own order named by the supplement's PON under the CCNA (§1.1.1, §7.5);
    404 unknown_pon (R506) when it has none, or may no longer supplement it."""
    sender = ctx.sender()
    ccna = req.ccna or sender.ccna
    owner = ctx.session.scalar(sa.select(Partner).where(Partner.ccna == ccna))
    order = own_order_for_pon(ctx.session, owner, sender.id, req.pon) \
        if req.pon and owner is not None else None
    if order is None or not may(scope_for(ctx.session, ctx.actor), Action.SUPPLEMENT, order):
        raise unknown_pon(req.raw.get("pon"))
    return order


def supplement(ctx: OrderContext, lsr: Lsr, req: LsrRequest, *,
               received_at: datetime | None = None) -> SupplementResult:
    """Apply SUP 1/2/3 to the order, or record its rejects and leave the order as it was;
    `received_at`: when a faxed or emailed supplement arrived (manual entry), else now.

    The caller has established that the actor may supplement the order (policy.may)."""
    received_at = received_at or ctx.now
    raw_pon = req.raw.get("pon")  # a blank PON counts as absent (§4.1): the order's own
    if raw_pon is not None and not (isinstance(raw_pon, str) and not raw_pon.strip()) \
            and (not isinstance(raw_pon, str) or raw_pon.strip() != lsr.pon):
        raise Conflict(f"PON {str(raw_pon)[:20]} is not this order's PON ({lsr.pon}).",
                       code="pon_mismatch", rejects=[reject_entry("R506")])
    body = _stripped_envelope(req.raw)
    sup, ver_text = req.sup, req.ver_text
    digest = req.content_hash()
    repeat = next((v for v in lsr.versions if v.ver == ver_text), None)
    if repeat is not None and repeat.sup == sup and req.same_content(repeat.payload_hash):
        return _result(lsr, repeat)  # the same supplement again: idempotent
    received = transitions.Received(
        ver=ver_text or "", sup=sup, payload=req.recorded(ctx.pepper), payload_hash=digest,
        received_at=received_at, details={"channel": ctx.channel})
    state = _state(ctx, lsr)
    decision = check_supplement(body, order=_order_state(lsr), profile=ctx.profile,
                                received_at=received_at, state=state,
                                manual_contact=_manual_contact(ctx, state), issued_at=ctx.now)
    findings = [f.as_dict() for f in decision.findings]
    if not findings and sup == "3":
        return _correct(ctx, lsr, body, received)
    if findings:
        return _rejected(ctx, lsr, received, findings)
    if sup == "1":
        return _result(lsr, transitions.cancel(ctx, lsr, received))
    assert decision.due_date is not None
    return _result(lsr, transitions.change_due_date(ctx, lsr, received, decision.due_date))


def _manual_contact(ctx: OrderContext, state: str) -> str | None:
    """For a portal or API supplement to an order whose account is in a manual-only state,
    the state's level-1 escalation contact (R701 names it, §8.1); else None. The desk's own
    entry of a faxed supplement is not refused."""
    if ctx.manual or state not in ctx.profile.manual_states:
        return None
    contact = ctx.session.scalar(sa.select(EscalationContact).where(
        EscalationContact.state == state, EscalationContact.level == 1))
    return contact.summary if contact is not None else ANY_CONTACT


def _state(ctx: OrderContext, lsr: Lsr) -> str:
    """The account's state: the zone a supplement's receipt is found in (§6.2, §5.1)."""
    if lsr.state or not lsr.account_number:
        return lsr.state or ""
    return ctx.session.scalar(sa.select(Account.state).where(
        Account.account_number == lsr.account_number)) or ""


def _correct(ctx: OrderContext, lsr: Lsr, body: dict[str, Any],
             received: transitions.Received) -> SupplementResult:
    """SUP 3: the order checked again as a whole with the merged body (§6.3)."""
    merged = {**lsr.payload, **{k: v for k, v in body.items() if k not in MERGE_EXCLUDED}}
    merged.update(ver=received.ver, pon=lsr.pon, ccna=lsr.ccna)
    sent = body.get("passcode")
    stored = lsr.payload.get("passcode")
    # not resent: the order's own passcode stands for it where it is the account's passcode
    # now (its proof, checked below); never a digest as sent
    kept = (sent is None or (isinstance(sent, str) and not sent.strip())) \
        and isinstance(stored, Mapping) and "digest" in stored
    if kept:
        merged.pop("passcode")
    full = decide(ctx, lsr, LsrRequest.parse(merged), received_at=received.received_at,
                  own_tns=frozenset(lsr.foc_tns),
                  verified_passcode_account=lsr.account_number if kept else None)
    if kept:
        full = _kept_passcode_checked(ctx, lsr, full)
    if full.findings:
        return _rejected(ctx, lsr, received, [f.as_dict() for f in full.findings],
                         account_number=full.account_number,
                         passcode_failed=full.passcode_failed)
    order_payload = recorded_body(merged, ctx.pepper)
    if kept:
        order_payload["passcode"] = lsr.payload["passcode"]
    return _result(lsr, transitions.correct(ctx, lsr, received, full,
                                            order_payload=order_payload))


def _kept_passcode_checked(ctx: OrderContext, lsr: Lsr, full: LsrDecision) -> LsrDecision:
    """§4.5 for a SUP 3 that sent no passcode, which the engine did not judge on the order's
    account: where that account has a passcode, the order's own must be it *now* (its proof
    matches the account's current hash), else R306 — the account had none when the order
    was accepted, or it has changed since, or the order predates proofs. Not a failed guess:
    nothing was given, so nothing counts towards the lock (R308)."""
    account = ctx.cache.accounts.get(lsr.account_number or "")
    if account is None or full.account_number != account.account_number \
            or account.passcode_hash is None \
            or any(f.code == "R308" for f in full.findings) \
            or proof_matches(passcode_proof_of(lsr.payload), account.passcode_hash):
        return full
    return replace(full, findings=[*full.findings, finding(
        "R306", "the account has a passcode that was not given on this order; send it")])


def _rejected(ctx: OrderContext, lsr: Lsr, received: transitions.Received,
              findings: list[dict[str, Any]], *, account_number: str | None = None,
              passcode_failed: bool = False) -> SupplementResult:
    storable = received if 0 < len(received.ver) <= 2 else None
    transitions.reject_supplement(ctx, lsr, storable, findings, account_number=account_number,
                                  passcode_failed=passcode_failed)
    return SupplementResult(lsr, received.sup, received.ver or None, "rejected", findings, None)


def _stripped_envelope(body: Mapping[str, Any]) -> dict[str, Any]:
    """SUP and VER as the rules engine reads them: stripped, so " 1" is a cancel (§6) and a
    version is stored under the VER that was checked."""
    return {**body, **{k: body[k].strip() for k in ("sup", "ver")
                       if isinstance(body.get(k), str)}}


def _order_state(lsr: Lsr) -> OrderState:
    return OrderState(pon=lsr.pon or "", status=lsr.status,
                      vers_used=frozenset(v.ver for v in lsr.versions),
                      port_type=lsr.port_type or "non_simple",
                      reqtyp=text_of(lsr.payload, "reqtyp") or "CB", n_tns=len(lsr.foc_tns),
                      receipt_day=lsr.receipt_day, due_date=lsr.due_date,
                      due_date_sups=lsr.due_date_sups)


def _result(lsr: Lsr, version: LsrVersion) -> SupplementResult:
    accepted = version.status != "rejected"
    return SupplementResult(lsr, version.sup, version.ver, "accepted" if accepted else "rejected",
                            list(version.rejects or []),
                            version.due_date.isoformat() if version.due_date else None)
