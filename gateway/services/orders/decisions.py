"""Staff decisions on orders awaiting review (§7.2)."""
from __future__ import annotations

from datetime import date
from typing import Any

from gateway.errors import Conflict, InvalidInput
from gateway.models import Lsr
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from validators.coordinated import check_due_time, is_coordinated
from validators.due_dates import staff_date_problems
from validators.fields import text_of


def requested_date(lsr: Lsr) -> date | None:
    """The DDD as the partner sent it, when it is a date (read as the engine reads it:
    stripped, so " 2026-12-04" is that date)."""
    raw = text_of(lsr.payload, "ddd")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def date_refusal(ctx: OrderContext, lsr: Lsr, due_date: date | None) -> str | None:
    """Why the desk may not issue the FOC on this date, or None when it may: the date must be
    a business day on or after the receipt day and the decision's local date (§7.2)."""
    if due_date is None:
        return "no date was given"
    problems = staff_date_problems(due_date, lsr.receipt_day, ctx.profile,
                                   today=transitions.local_date(ctx, lsr))
    return "; ".join(problems) or None


def grant_expedite(ctx: OrderContext, lsr: Lsr) -> Lsr:
    """Grant an expedite as asked: the staff FOC on exactly the partner's DDD (§5.3, §7.2).

    :raises Conflict: the order is not an expedite awaiting staff (409 not_an_expedite).
    :raises InvalidInput: the DDD may not be given (400 invalid_due_date), saying why."""
    if lsr.status != "manual_review" or lsr.review_reason != "expedite":
        raise Conflict(f"Order {lsr.order_number} is not an expedite awaiting staff; nothing "
                       "was granted.", code="not_an_expedite")
    requested = requested_date(lsr)
    why = date_refusal(ctx, lsr, requested)
    if why:
        raise InvalidInput(f"The requested date {requested or '(none)'} cannot be granted: "
                           f"{why} (§7.2). Choose another date or decline to the standard "
                           "date.", code="invalid_due_date")
    return decide_order(ctx, lsr, action="foc", due_date=requested,
                        details={"grant": "requested_date"})


def decide_order(ctx: OrderContext, lsr: Lsr, *, action: str, due_date: date | None = None,
                 codes: list[Any] | None = None, remarks: str = "",
                 due_time: Any = None, details: dict[str, Any] | None = None) -> Lsr:
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
        why = date_refusal(ctx, lsr, due_date)
        if why or due_date is None:
            raise InvalidInput(f"The FOC date {due_date} must be a business day on or after the "
                               f"receipt day {lsr.receipt_day} and today: {why}.",
                               code="invalid_due_date")
        audited = dict(details or {})
        if lsr.review_reason == "expedite":
            granted = lsr.due_date is not None and due_date < lsr.due_date
            audited["expedite"] = "granted" if granted else "declined"
        transitions.staff_foc(ctx, lsr, due_date, details=audited, due_time=cut)
    elif action == "reject":
        chosen = transitions.require_codes(codes or [], remarks)
        transitions.staff_reject(ctx, lsr, chosen, remarks)
    else:
        raise InvalidInput("action must be 'foc' or 'reject'.", code="invalid_action")
    return lsr
