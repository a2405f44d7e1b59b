"""A coordinated FOC's cut time (business-rules §13.2), told in the account's zone."""
from __future__ import annotations

from datetime import date, datetime, time

from gateway.models import Lsr
from validators.calendar import zone_for
from validators.carrier_profile import CarrierProfile


def cut_time_of(order: Lsr) -> time | None:
    """The FOC's time of day (None for an FOC without one)."""
    return time.fromisoformat(order.due_time) if order.due_time else None


def zone_letters(day: date, at: time, state: str, profile: CarrierProfile) -> str:
    """The zone as the desk says it: MT, PT, CT (US zones without standard/daylight), else the
    zone's own abbreviation."""
    name = datetime.combine(day, at, tzinfo=zone_for(state, profile)).tzname() or ""
    if len(name) == 3 and name[1] in "SD" and name.endswith("T"):
        return name[0] + "T"
    return name


def cut_words(order: Lsr, profile: CarrierProfile, *, short: bool = False) -> str | None:
    """"10:30 MT on 2026-12-10" (short: "10:30 MT on 12-10"), None without a cut time."""
    at = cut_time_of(order)
    if at is None or order.due_date is None:
        return None
    zone = zone_letters(order.due_date, at, order.state or "", profile)
    day = order.due_date.strftime("%m-%d") if short else order.due_date.isoformat()
    return f"{at:%H:%M} {zone} on {day}"
