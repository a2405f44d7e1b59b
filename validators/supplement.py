"""The supplement envelope (business-rules §6): PON, VER, SUP, status, and SUP 2's due date."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from validators.calendar import local_day
from validators.carrier_profile import CarrierProfile
from validators.catalog import finding
from validators.due_dates import cutoff_for, receipt, sup2_due_date
from validators.facts import OrderState, Receipt, SupplementDecision
from validators.fields import check_field, text_of, value_of
from validators.findings import Finding

SUP_TYPES = frozenset({"1", "2", "3"})
OPEN_STATUSES = frozenset({"foc", "manual_review"})  # §6.4: an FOC or awaiting staff


def _envelope(sup: Mapping[str, Any], order: OrderState) -> list[Finding]:
    """Check PON (R506), VER (R601 R602 R505), SUP (R601 R602) and the order's status (R504)."""
    found: list[Finding] = []
    pon = value_of(sup, "pon")
    if pon is not None and (not isinstance(pon, str) or pon.strip() != order.pon):
        found.append(finding("R506", f"PON {str(pon)[:16]!r} is not this order's PON"))
    ver = value_of(sup, "ver")
    problem = check_field("ver", ver) if ver is not None else finding("R601", "ver", "ver")
    if problem:
        found.append(problem)
    elif ver.strip() in order.vers_used:
        found.append(finding("R505", f"VER {ver.strip()} on PON {order.pon}"))
    kind = value_of(sup, "sup")
    if kind is None:
        found.append(finding("R601", "sup", "sup"))
    elif not isinstance(kind, str) or kind.strip() not in SUP_TYPES:
        found.append(finding("R602", f"sup {str(kind)[:10]!r} is not 1, 2 or 3", "sup"))
    if order.status not in OPEN_STATUSES:
        found.append(finding("R504", f"the order is {order.status}"))
    return found


def _new_due_date(sup: Mapping[str, Any], order: OrderState, rcpt: Receipt,
                  profile: CarrierProfile,
                  issue_day: date | None = None) -> tuple[date | None, list[Finding]]:
    """Apply §6.2 to a SUP 2: DDD required and valid, R503, then the date rule with R501."""
    ddd = value_of(sup, "ddd")
    if ddd is None:
        return None, [finding("R601", "ddd", "ddd")]
    problem = check_field("ddd", ddd)
    if problem:
        return None, [problem]
    found: list[Finding] = []
    if order.due_date_sups >= profile.max_due_date_sups:
        found.append(finding("R503", f"{order.due_date_sups} due-date supplements already "
                                     f"accepted (at most {profile.max_due_date_sups})"))
    chosen = sup2_due_date(date.fromisoformat(ddd.strip()), rcpt.receipt_day, order, profile,
                           issue_day=issue_day)
    return chosen.due_date, found + chosen.findings


def check_supplement(sup: Any, *, order: OrderState, profile: CarrierProfile,
                     received_at: datetime, state: str, manual_contact: str | None = None,
                     issued_at: datetime | None = None) -> SupplementDecision:
    """Check a supplement's envelope; for SUP 2 also decide the new due date (§6).
    `manual_contact`: the order's account is in a manual-only state and the supplement came
    through the portal or the API — R701, naming that level-1 contact (§8.1). `issued_at`:
    when the new FOC is given (default the receipt): a SUP 2 entered days after its fax
    arrived gets no date before the business day after that (§5.3's floor)."""
    if not isinstance(sup, Mapping):
        return SupplementDecision([finding("R602", "the supplement must be a JSON object", "*")],
                                  None, None)
    found = _envelope(sup, order)
    if manual_contact is not None:
        found.append(finding("R701", f"{state}: send it to {manual_contact}"))
    rcpt = receipt(received_at, state, cutoff_for(order.port_type, profile), profile)
    due_date = None
    if text_of(sup, "sup") == "2":
        issue_day = local_day(issued_at or received_at, state, profile)
        due_date, more = _new_due_date(sup, order, rcpt, profile, issue_day)
        found += more
    return SupplementDecision(found, None if found else due_date, rcpt)
