"""Staff decisions on orders awaiting review (§7.2)."""
from __future__ import annotations

from datetime import date
from typing import Any

from gateway.errors import InvalidInput
from gateway.models import Lsr
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from validators import check_staff_due_date
from validators.coordinated import check_due_time, is_coordinated


def decide_order(ctx: OrderContext, lsr: Lsr, *, action: str, due_date: date | None = None,
                 codes: list[Any] | None = None, remarks: str = "",
                 due_time: Any = None) -> Lsr:
    """Issue the FOC with a date, or reject with codes and remarks, for an order in review.

    The same checks whether the decision comes from the console or the API: a business-day
    date on or after the receipt day and the decision's local date; at least one code; R901
    with remarks (§7.2); a coordinated port's time of day, 08:00-16:59, default the asked
    DFDT, and no time for any other order or decision (400 invalid_due_time, §13.2)."""
    remarks = (remarks or "").strip()[:500]
    coordinated = is_coordinated(lsr.payload)
    cut, fine = check_due_time(due_time, coordinated=coordinated and action == "foc",
                               asked=lsr.field("dfdt"), profile=ctx.profile)
    if not fine:
        raise InvalidInput(
            f"due_time must be HH:MM from 08:00 to 16:59 for a coordinated port (CHC = Y)"
            f"{'' if coordinated else ', and only there'}.", code="invalid_due_time",
            fields={"due_time": "HH:MM 08:00-16:59, coordinated ports only"})
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
        transitions.staff_foc(ctx, lsr, due_date, details=details, due_time=cut)
    elif action == "reject":
        chosen = transitions.require_codes(codes or [], remarks)
        transitions.staff_reject(ctx, lsr, chosen, remarks)
    else:
        raise InvalidInput("action must be 'foc' or 'reject'.", code="invalid_action")
    return lsr
