"""Supplements to an order (business-rules §6): cancel, new due date, other change."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from gateway.errors import Conflict, NotFound
from gateway.models import Lsr, LsrVersion, Partner
from gateway.services import audit
from gateway.services.orders.submit import (
    Context, _set_open_tns, _state_of, apply_decision, decide, payload_hash,
    record_passcode_failure, reject_entry)
from gateway.services.outbox import notices
from gateway.services.serialize import is_passcode_digest, lsr_body, stored_payload
from validators import check_supplement
from validators.calendar import porting_window
from validators.facts import OrderState
from validators.fields import text_of

MERGE_EXCLUDED = ("sup", "ver", "pon", "ccna")


@dataclass
class SupplementResult:
    lsr: Lsr
    sup: str | None
    ver: str | None
    status: str  # accepted | rejected
    rejects: list[dict]
    due_date: str | None

    def body(self) -> dict:
        return {"lsr": lsr_body(self.lsr),
                "supplement": {"sup": self.sup, "ver": self.ver, "status": self.status,
                               "rejects": self.rejects, "due_date": self.due_date}}


def order_for_pon(ctx: Context, body: dict) -> Lsr:
    """The partner's order named by the supplement's PON (404 unknown_pon, R506)."""
    pon = text_of(body, "pon")
    ccna = (text_of(body, "ccna") or ctx.partner.ccna).upper()
    owner = ctx.session.scalar(sa.select(Partner).where(Partner.ccna == ccna))
    lsr = None
    if pon and owner is not None and _may_act(ctx, owner):
        lsr = ctx.session.scalar(sa.select(Lsr).where(
            Lsr.owner_partner_id == owner.id, Lsr.pon == pon).with_for_update())
    if lsr is None:
        raise NotFound(f"No order found for PON {pon!r}.", code="unknown_pon",
                       rejects=[reject_entry("R506")])
    return lsr


def _may_act(ctx: Context, owner: Partner) -> bool:
    from gateway.services.partners.directory import delegations_for

    return owner.id == ctx.partner.id or "lsr" in delegations_for(
        ctx.session, ctx.partner.id).get(owner.ccna, frozenset())


def supplement(ctx: Context, lsr: Lsr, body: dict) -> SupplementResult:
    """Apply SUP 1/2/3 to the order, or record its rejects and leave the order as it was."""
    body = _stripped_envelope(body)
    pon = text_of(body, "pon")
    if pon is not None and pon != lsr.pon:
        raise Conflict(f"PON {pon} is not this order's PON ({lsr.pon}).", code="pon_mismatch",
                       rejects=[reject_entry("R506")])
    sup, ver = body.get("sup"), body.get("ver")
    sup = str(sup) if isinstance(sup, (str, int)) and not isinstance(sup, bool) else None
    ver_text = ver if isinstance(ver, str) else None
    repeat = next((v for v in lsr.versions if v.ver == ver_text), None)
    if repeat is not None and repeat.sup == sup and \
            repeat.payload_hash == payload_hash(stored_payload(body)):
        return _result(lsr, repeat)  # the same supplement again: idempotent
    state = lsr.state or _state_of(ctx.session, lsr) or ""  # the account's zone (§6.2, §5.1)
    decision = check_supplement(body, order=_order_state(lsr), profile=ctx.profile,
                                received_at=ctx.now, state=state)
    findings = _authority(ctx, lsr) + [f.as_dict() for f in decision.findings]
    if not findings and sup == "3":
        merged = {**lsr.payload, **{k: v for k, v in body.items() if k not in MERGE_EXCLUDED}}
        merged.update(ver=ver, pon=lsr.pon, ccna=lsr.ccna)
        kept = is_passcode_digest(merged.get("passcode"))  # not resent: the accepted one stands
        if kept:
            merged.pop("passcode")
        full = decide(ctx, lsr, merged, received_at=ctx.now, own_tns=frozenset(lsr.foc_tns),
                      verified_passcode_account=lsr.account_number if kept else None)
        if kept:
            merged["passcode"] = lsr.payload["passcode"]
        if full.findings:
            findings = [f.as_dict() for f in full.findings]
            if full.passcode_failed and full.account_number:  # §4.5 counts every wrong one
                record_passcode_failure(ctx, full.account_number, lsr)
        else:
            return _accept_correction(ctx, lsr, body, merged, full)
    if findings:
        return _reject(ctx, lsr, body, sup, ver_text, findings)
    if sup == "1":
        return _cancel(ctx, lsr, body)
    return _new_due_date(ctx, lsr, body, decision.due_date)


def _authority(ctx: Context, lsr: Lsr) -> list[dict]:
    """§1.1: an agent supplements a carrier's order only while the carrier's approval for `lsr`
    stands; after a revocation its supplements are refused R104 (the order stays as it was)."""
    if lsr.owner_partner_id == ctx.partner.id or ctx.manual:
        return []
    owner = ctx.session.get(Partner, lsr.owner_partner_id)
    if owner is not None and _may_act(ctx, owner):
        return []
    return [reject_entry("R104", message=f"{reject_entry('R104')['message']}: "
                                         f"{ctx.partner.ccna} may not act for {lsr.ccna}")]


def _stripped_envelope(body: dict) -> dict:
    """SUP and VER as the rules engine reads them: stripped, so " 1" is a cancel (§6) and a
    version is stored under the VER that was checked."""
    return {**body, **{k: body[k].strip() for k in ("sup", "ver")
                       if isinstance(body.get(k), str)}}


def _order_state(lsr: Lsr) -> OrderState:
    return OrderState(pon=lsr.pon or "", status=lsr.status,
                      vers_used=frozenset(v.ver for v in lsr.versions),
                      port_type=lsr.port_type or "non_simple",
                      reqtyp=str(lsr.payload.get("reqtyp") or "CB"), n_tns=len(lsr.foc_tns),
                      receipt_day=lsr.receipt_day, due_date=lsr.due_date,
                      due_date_sups=lsr.due_date_sups)


def _version(ctx: Context, lsr: Lsr, body: dict, sup: str | None, status: str,
             rejects: list, due_date=None) -> LsrVersion:
    payload = stored_payload(body)
    version = LsrVersion(ver=str(body.get("ver"))[:2], sup=sup, status=status, at=ctx.now,
                         user_id=ctx.actor.user_id, payload=payload,
                         payload_hash=payload_hash(payload), rejects=rejects, due_date=due_date)
    lsr.versions.append(version)
    return version


def _result(lsr: Lsr, version: LsrVersion) -> SupplementResult:
    accepted = version.status != "rejected"
    return SupplementResult(lsr, version.sup, version.ver, "accepted" if accepted else "rejected",
                            list(version.rejects or []),
                            version.due_date.isoformat() if version.due_date else None)


def _reject(ctx: Context, lsr: Lsr, body: dict, sup, ver, findings: list) -> SupplementResult:
    """§6.5: the order stays as it was; the supplement shows in its history with its rejects."""
    used = any(v.ver == ver for v in lsr.versions)
    if not used and isinstance(ver, str) and 0 < len(ver) <= 2:
        _version(ctx, lsr, body, sup, "rejected", findings)
    audit.record(ctx.session, ctx.actor, "lsr.supplement_rejected", "lsr", lsr.id, now=ctx.now,
                 partner_id=lsr.owner_partner_id,
                 details={"sup": sup, "ver": ver, "rejects": findings})
    lsr.updated_at = ctx.now
    return SupplementResult(lsr, sup, ver, "rejected", findings, None)


def _cancel(ctx: Context, lsr: Lsr, body: dict) -> SupplementResult:
    before = lsr.status
    lsr.status, lsr.closed_at, lsr.updated_at = "canceled", ctx.now, ctx.now
    lsr.ver = str(body["ver"])
    version = _version(ctx, lsr, body, "1", "canceled", [])
    _set_open_tns(ctx.session, lsr, ())
    canceled = ctx.registry.cancel_pending(list(lsr.foc_tns), now=ctx.now) if lsr.foc_tns else 0
    audit.record(ctx.session, ctx.actor, "lsr.canceled", "lsr", lsr.id, now=ctx.now,
                 partner_id=lsr.owner_partner_id, before={"status": before},
                 after={"status": "canceled", "svs_canceled": canceled})
    notices.emit(ctx.session, "lsr.canceled", ctx.session.get(Partner, lsr.owner_partner_id),
                 lsr_body(lsr), now=ctx.now, lsr_id=lsr.id, subject=f"Canceled: PON {lsr.pon}",
                 body=f"PON {lsr.pon} (order {lsr.order_number}) is canceled at your request.")
    return _result(lsr, version)


def _new_due_date(ctx: Context, lsr: Lsr, body: dict, due_date) -> SupplementResult:
    before = {"status": lsr.status, "due_date": lsr.due_date.isoformat() if lsr.due_date else None}
    lsr.payload = {**lsr.payload, "ddd": body.get("ddd")}
    lsr.ver, lsr.updated_at = str(body["ver"]), ctx.now
    lsr.due_date_sups += 1
    version = _version(ctx, lsr, body, "2", lsr.status, [], due_date)
    if lsr.status == "foc":
        lsr.due_date, lsr.foc_issued_at = due_date, ctx.now
        if lsr.state:
            lsr.window_ends_at = porting_window(due_date, lsr.state, ctx.profile)[1]
        notices.emit(ctx.session, "lsr.foc", ctx.session.get(Partner, lsr.owner_partner_id),
                     lsr_body(lsr), now=ctx.now, lsr_id=lsr.id,
                     subject=f"FOC (new due date): PON {lsr.pon} due {due_date.isoformat()}",
                     body=f"PON {lsr.pon} VER {lsr.ver}: the due date is now "
                          f"{due_date.isoformat()}.")
    else:
        lsr.due_date = due_date
    audit.record(ctx.session, ctx.actor, "lsr.due_date_changed", "lsr", lsr.id, now=ctx.now,
                 partner_id=lsr.owner_partner_id, before=before,
                 after={"status": lsr.status, "due_date": due_date.isoformat()})
    return _result(lsr, version)


def _accept_correction(ctx: Context, lsr: Lsr, body: dict, merged: dict, decision
                       ) -> SupplementResult:
    """SUP 3 accepted: the order takes the corrected body, decided as of the supplement."""
    before = lsr.status
    lsr.payload, lsr.ver = stored_payload(merged), str(body["ver"])
    lsr.received_at = ctx.now
    version = _version(ctx, lsr, body, "3", "foc", [])
    apply_decision(ctx, lsr, decision, version)
    audit.record(ctx.session, ctx.actor, "lsr.corrected", "lsr", lsr.id, now=ctx.now,
                 partner_id=lsr.owner_partner_id, before={"status": before},
                 after={"status": lsr.status, "due_date": lsr.due_date.isoformat()
                        if lsr.due_date else None})
    return _result(lsr, version)
