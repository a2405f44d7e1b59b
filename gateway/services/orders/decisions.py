"""Staff decisions on orders awaiting review (§7.2)."""
from __future__ import annotations

from datetime import date
from typing import Any

from gateway.errors import InvalidInput
from gateway.models import Lsr
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from validators import check_staff_due_date


def decide_order(ctx: OrderContext, lsr: Lsr, *, action: str, due_date: date | None = None,
                 codes: list[Any] | None = None, remarks: str = "") -> Lsr:
    """Issue the FOC with a date, or reject with codes and remarks, for an order in review.

    The same checks whether the decision comes from the console or the API: a business-day
    date on or after the receipt day and the decision's local date; at least one code; R901
    with remarks (§7.2)."""
    remarks = (remarks or "").strip()[:500]
    if action == "foc":
        local_today = transitions.local_date(ctx, lsr)
        if due_date is None or check_staff_due_date(due_date, lsr.receipt_day, ctx.profile) \
                or (local_today is not None and due_date < local_today):
            raise InvalidInput(f"The FOC date {due_date} must be a business day on or after the "
                               f"receipt day {lsr.receipt_day} and today.",
                               code="invalid_due_date")
        details: dict[str, Any] = {}
        if lsr.review_reason == "expedite":
            granted = lsr.due_date is not None and due_date < lsr.due_date
            details["expedite"] = "granted" if granted else "declined"
        transitions.staff_foc(ctx, lsr, due_date, details=details)
    elif action == "reject":
        chosen = transitions.require_codes(codes or [], remarks)
        transitions.staff_reject(ctx, lsr, chosen, remarks)
    else:
        raise InvalidInput("action must be 'foc' or 'reject'.", code="invalid_action")
    return lsr
