"""Staff decisions on orders awaiting review (§7.2)."""
from __future__ import annotations

from datetime import date

from gateway.errors import Conflict, InvalidInput
from gateway.models import Lsr, Partner
from gateway.services import audit
from gateway.services.orders.submit import Context, _set_open_tns, issue_foc, reject_entry
from gateway.services.outbox import notices
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

