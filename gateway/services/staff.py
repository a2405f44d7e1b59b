"""Staff decisions on orders awaiting review (§7.2) and account unlocks (§4.5)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import Account, Escalation, Lsr, Partner
from gateway.services import audit, notices
from gateway.services.actors import Actor
from gateway.services.lsr import Context, _set_open_tns, issue_foc, reject_entry
from gateway.services.serialize import lsr_body
from validators import check_staff_due_date
from validators.catalog import REJECT_CODES


def decide_order(ctx: Context, lsr: Lsr, *, action: str, due_date: date | None = None,
                 codes: list[str] | None = None, remarks: str = "") -> Lsr:
    """Issue the FOC with a date, or reject with codes and remarks, for an order in review."""
    if lsr.status != "manual_review":
        raise Conflict(f"Order {lsr.id} is {lsr.status}, not awaiting staff.",
                       code="not_in_review")
    version = lsr.versions[-1]
    owner = ctx.session.get(Partner, lsr.owner_partner_id)
    before = {"status": lsr.status, "review_reason": lsr.review_reason}
    if action == "foc":
        if due_date is None or check_staff_due_date(due_date, lsr.receipt_day, ctx.profile):
            raise InvalidInput(f"The FOC date {due_date} must be a business day on or after the "
                               f"receipt day {lsr.receipt_day}.", code="invalid_due_date")
        granted = lsr.review_reason == "expedite" and lsr.due_date and due_date < lsr.due_date
        issue_foc(ctx, lsr, due_date, version, owner, tns=lsr.foc_tns,
                  disconnect=lsr.disconnect_tns, new_btn=lsr.new_btn)
        details = {"expedite": "granted" if granted else "declined"} \
            if before["review_reason"] == "expedite" else {}
    elif action == "reject":
        codes = [c for c in (codes or []) if isinstance(c, str)]
        unknown = [c for c in codes if c not in REJECT_CODES]
        if not codes or unknown:
            raise InvalidInput(f"Reject codes must be known codes; got {unknown or 'none'}.",
                               code="invalid_codes")
        remarks = (remarks or "").strip()[:500]
        rejects = [reject_entry(c, message=f"{REJECT_CODES[c].message}"
                                + (f" — {remarks}" if remarks else "")) for c in codes]
        lsr.status, lsr.rejects, lsr.review_reason = "rejected", rejects, None
        lsr.due_date, lsr.foc_due_at = None, None
        version.status, version.rejects, version.note = "rejected", rejects, remarks or None
        _set_open_tns(ctx.session, lsr, ())
        notices.emit(ctx.session, "lsr.rejected", owner, lsr_body(lsr), now=ctx.now,
                     lsr_id=lsr.id, subject=f"Reject: PON {lsr.pon} VER {lsr.ver}",
                     body="\n".join(f"{r['code']}: {r['message']}" for r in rejects))
        details = {"remarks": remarks}
    else:
        raise InvalidInput("action must be 'foc' or 'reject'.", code="invalid_action")
    lsr.updated_at = ctx.now
    audit.record(ctx.session, ctx.actor, f"lsr.staff_{action}", "lsr", lsr.id, now=ctx.now,
                 partner_id=lsr.owner_partner_id, before=before,
                 after={"status": lsr.status, "due_date": lsr.due_date.isoformat()
                        if lsr.due_date else None}, details=details)
    return lsr


def unlock_account(session: Session, account_number: str, *, actor: Actor,
                   now: datetime) -> Account:
    """Lift a passcode protection lock (§4.5)."""
    account = session.get(Account, account_number)
    if account is None:
        raise NotFound(f"No account {account_number}.", code="unknown_account")
    before = account.locked_until
    account.locked_until = None
    audit.record(session, actor, "account.unlocked", "account", account_number, now=now,
                 before={"locked_until": before.isoformat() if before else None},
                 after={"locked_until": None})
    return account


def work_queue(session: Session, *, limit: int = 500) -> list[dict]:
    """Orders in review and unacknowledged escalations, soonest due first (api-contract §4.4)."""
    orders = session.execute(sa.select(Lsr.id, Lsr.review_reason, Lsr.foc_due_at).where(
        Lsr.status == "manual_review").order_by(Lsr.foc_due_at).limit(limit)).all()
    escalations = session.execute(sa.select(Escalation.id, Escalation.ack_due_at).where(
        Escalation.acknowledged_at.is_(None), Escalation.resolved_at.is_(None))
        .order_by(Escalation.ack_due_at).limit(limit)).all()
    items = [{"kind": "lsr", "id": i, "reason": r, "due_at": d} for i, r, d in orders]
    items += [{"kind": "escalation", "id": i, "reason": "escalation", "due_at": d}
              for i, d in escalations]
    far = datetime.max.replace(tzinfo=None)
    items.sort(key=lambda item: (item["due_at"].replace(tzinfo=None) if item["due_at"] else far))
    return items
