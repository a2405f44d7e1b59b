"""Receipt, intervals, FOC dates and deadlines (business-rules §3.5, §5, §6.2, §7.2)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from validators.calendar import (
    add_business_days,
    add_business_hours,
    conflict_deadline,
    is_business_day,
    local_at,
    next_business_day,
    on_or_next_business_day,
    porting_window,
    zone_for,
)
from validators.carrier_profile import CarrierProfile
from validators.catalog import INTERVALS, finding
from validators.facts import OrderState, Receipt
from validators.findings import Finding


@dataclass(frozen=True)
class FocDate:
    """The FOC date of §5.3: the date, why staff must decide (if so), and R501 if raised."""

    due_date: date
    review_reason: str | None = None  # "expedite" when EXP = Y asks inside the interval
    findings: list[Finding] = field(default_factory=list)


def cutoff_for(port_type: str | None, profile: CarrierProfile) -> time:
    """Return the receipt cut-off of a port type: simple 13:00, otherwise 15:00 (§1.2)."""
    return profile.cutoff_simple if port_type == "simple" else profile.cutoff_non_simple


def receipt(received_at: datetime, state: str, cutoff: time, profile: CarrierProfile) -> Receipt:
    """Find the receipt day and effective received time in the state's local time (§5.1)."""
    aware = received_at if received_at.tzinfo is not None else received_at.replace(
        tzinfo=UTC)
    zone = zone_for(state, profile)
    local = aware.astimezone(zone)
    day = local.date()
    if is_business_day(day, profile) and local.time() < cutoff:
        opening = local_at(day, profile.business_start, zone)
        return Receipt(received_at=aware, receipt_day=day,
                       effective_received_at=max(local, opening))
    day = next_business_day(day, profile)
    return Receipt(received_at=aware, receipt_day=day,
                   effective_received_at=local_at(day, profile.business_start, zone))


def earliest_due_date(receipt_day: date, business_days: int, profile: CarrierProfile) -> date:
    """Return the receipt day plus the interval's business days (§5.2)."""
    return add_business_days(receipt_day, business_days, profile)


@lru_cache(maxsize=4096)
def interval_for(reqtyp: str, port_type: str | None,
                 n_tns: int) -> tuple[str, int | None, str]:
    """Return (port type, due business days or None, handling) from intervals.csv (§5.2).

    REQTYP is read as the engine reads it (stripped; " BB " is BB). One the guide has no row
    for raises ValueError: every row of the guide is no interval (a BB order took CB's)."""
    key = reqtyp.strip().upper() if isinstance(reqtyp, str) else None
    rows = [r for r in INTERVALS if r.reqtyp == key]
    if not rows:
        raise ValueError(f"REQTYP {str(reqtyp)[:10]!r} has no interval (§5.2: CB or BB)")
    typed = [r for r in rows if r.port_type == (port_type or "non_simple")]
    if port_type == "project":
        typed = [r for r in rows if r.handling == "project"]
    rows = typed or rows
    n = max(n_tns, 1)
    row = next((r for r in rows if r.tn_min <= n <= r.tn_max), None)
    if row is None:  # outside every range: the nearest one (above the top range is a project)
        row = max(rows, key=lambda r: r.tn_max) if n > rows[0].tn_min else rows[0]
    kind = "project" if row.handling == "project" else row.port_type
    return kind, row.due_business_days, row.handling


def ddd_too_far(ddd: date, receipt_day: date, profile: CarrierProfile) -> list[Finding]:
    """Return R501 when the DDD (as given) is more than ddd_max_days after the receipt day."""
    limit = receipt_day + timedelta(days=profile.ddd_max_days)
    if ddd > limit:
        return [finding("R501", f"DDD {ddd.isoformat()} is after {limit.isoformat()} "
                                f"({profile.ddd_max_days} days after the receipt day "
                                f"{receipt_day.isoformat()})")]
    return []


def foc_date(ddd: date, earliest: date, receipt_day: date, exp: bool,
             profile: CarrierProfile) -> FocDate:
    """Decide the FOC date from the DDD and the earliest due date (§5.3)."""
    too_far = ddd_too_far(ddd, receipt_day, profile)
    if ddd >= earliest:
        return FocDate(on_or_next_business_day(ddd, profile), None, too_far)
    return FocDate(earliest, "expedite" if exp else None, too_far)


def foc_due_at(port_type: str, rcpt: Receipt, state: str, profile: CarrierProfile) -> datetime:
    """Return when the FOC is due (§5.4) for a simple, non-simple or project order."""
    if port_type == "simple":
        return add_business_hours(rcpt.effective_received_at, profile.simple_foc_business_hours,
                                  state, profile)
    days = 2 if port_type == "project" else 1
    return local_at(add_business_days(rcpt.receipt_day, days, profile), profile.business_end,
                    zone_for(state, profile))


def csr_due_at(rcpt: Receipt, profile: CarrierProfile) -> datetime:
    """Return the end (17:00 local) of the next business day after the CSR's receipt day (§3.5)."""
    zone = rcpt.effective_received_at.tzinfo or UTC
    return local_at(next_business_day(rcpt.receipt_day, profile), profile.business_end, zone)


def sup2_due_date(ddd: date, sup_receipt_day: date, order: OrderState,
                  profile: CarrierProfile, *, issue_day: date | None = None) -> FocDate:
    """Decide the new due date of a SUP 2 received on sup_receipt_day (§6.2); never before the
    business day after `issue_day`, the day the new FOC is given (§5.3, applied last: a fax
    entered days after it arrived)."""
    too_far = ddd_too_far(ddd, sup_receipt_day, profile)
    _, days, _ = interval_for(order.reqtyp, order.port_type, order.n_tns)
    days = days or 0  # a project has no standard interval: the floor below still applies
    notice = add_business_days(sup_receipt_day, profile.sup2_notice_business_days, profile)
    if order.due_date is None or notice <= order.due_date:
        base = order.receipt_day or sup_receipt_day
    else:
        base = sup_receipt_day
    earliest = earliest_due_date(base, days, profile)
    floor = next_business_day(max(sup_receipt_day, issue_day or sup_receipt_day), profile)
    chosen = max(ddd, earliest, floor)
    return FocDate(on_or_next_business_day(chosen, profile), None, too_far)


_WEEKEND = ("Saturday", "Sunday")  # not strftime("%A"): that follows the locale
# §7.2 sets no latest staff FOC date; a year bounds it (a date in year 9999 overflowed the
# porting window's arithmetic: a 500)
STAFF_HORIZON = timedelta(days=366)


def staff_date_problems(due_date: date, receipt_day: date | None, profile: CarrierProfile, *,
                        today: date | None = None) -> list[str]:
    """Why a staff FOC date breaks §7.2 (a business day on or after the receipt day and
    `today`, the decision's local date), in words; empty when the date may be given."""
    if not isinstance(due_date, date):
        return ["the FOC date is not a date"]
    due_date = due_date.date() if isinstance(due_date, datetime) else due_date
    problems = []
    if due_date.weekday() >= 5:
        problems.append(f"{due_date.isoformat()} is a {_WEEKEND[due_date.weekday() - 5]}, "
                        "not a business day")
    elif not is_business_day(due_date, profile):
        problems.append(f"{due_date.isoformat()} is a company holiday, not a business day")
    if receipt_day is not None and due_date < receipt_day:
        problems.append(f"{due_date.isoformat()} is before the receipt day "
                        f"{receipt_day.isoformat()}")
    elif today is not None and due_date < today:
        problems.append(f"{due_date.isoformat()} is in the past (today is {today.isoformat()})")
    start = today or receipt_day
    if start is not None and due_date > start + STAFF_HORIZON:
        problems.append(f"{due_date.isoformat()} is more than a year away: no porting window "
                        "is planned that far (send a new LSR nearer the date)")
    return problems


def check_staff_due_date(due_date: date, receipt_day: date | None,
                         profile: CarrierProfile, *, today: date | None = None) -> list[Finding]:
    """Refuse a staff FOC date that is not a business day on or after the receipt day and
    `today` (§7.2); the message says which rule the date breaks."""
    problems = staff_date_problems(due_date, receipt_day, profile, today=today)
    return [finding("R602", "; ".join(problems), "due_date")] if problems else []


__all__ = ["FocDate", "add_business_hours", "check_staff_due_date", "conflict_deadline",
           "csr_due_at", "cutoff_for", "ddd_too_far", "earliest_due_date", "foc_date",
           "foc_due_at", "interval_for", "porting_window", "receipt", "staff_date_problems",
           "sup2_due_date"]
