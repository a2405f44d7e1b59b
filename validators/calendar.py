"""Company business days, holidays and local times (business-rules §1.2, §5, §8.2, §9.4)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from validators.carrier_profile import CarrierProfile

ONE_DAY = timedelta(days=1)
END_OF_DAY = time(23, 59, 59)
NOON = time(12, 0)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fullmatch: "$" allows a newline
# Profile names of the `holidays` package's US holidays that differ from their slug.
_ALIASES = {
    "juneteenth": "juneteenth_national_independence_day",
    "mlk_day": "martin_luther_king_jr_day",
    "presidents_day": "washingtons_birthday",
    "thanksgiving": "thanksgiving_day",
    "christmas": "christmas_day",
    "new_year": "new_years_day",
}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("'", "")).strip("_")


def _observed(day: date) -> date:
    """Move a weekend holiday to its observed weekday: Saturday -> Friday, Sunday -> Monday."""
    if day.weekday() == 5:
        return day - ONE_DAY
    if day.weekday() == 6:
        return day + ONE_DAY
    return day


def _raw_holidays(year: int) -> dict[str, date]:
    """Return slug -> actual date of one year's US holidays and the day after Thanksgiving."""
    import holidays  # on first use, not at import: ~45 ms off start-up for what needs no dates

    us = holidays.country_holidays("US", years=year, observed=False)
    found = {_slug(name): day for day, name in us.items()}
    if "thanksgiving_day" in found:
        found["day_after_thanksgiving"] = found["thanksgiving_day"] + ONE_DAY
    return found


@lru_cache(maxsize=256)
def holiday_dates(names: tuple[str, ...], year: int) -> frozenset[date]:
    """Return the observed company holidays falling in `year` for the profile's holiday names."""
    wanted = {_ALIASES.get(_slug(n), _slug(n)) for n in names if not _ISO_DATE.fullmatch(n)}
    days = {date.fromisoformat(n) for n in names if _ISO_DATE.fullmatch(n)}  # one-off closures
    for y in (year - 1, year, year + 1):  # New Year's Day of year+1 may be observed on Dec 31
        days |= {_observed(d) for slug, d in _raw_holidays(y).items() if slug in wanted}
    return frozenset(d for d in days if d.year == year)


def _day(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


def is_business_day(d: date, profile: CarrierProfile) -> bool:
    """Tell whether the day is Monday-Friday and not a company holiday."""
    d = _day(d)
    return d.weekday() < 5 and d not in holiday_dates(profile.holidays, d.year)


def next_business_day(d: date, profile: CarrierProfile) -> date:
    """Return the first business day strictly after the day."""
    return add_business_days(d, 1, profile)


def on_or_next_business_day(d: date, profile: CarrierProfile) -> date:
    """Return the day itself when it is a business day, else the next business day."""
    d = _day(d)
    return d if is_business_day(d, profile) else next_business_day(d, profile)


def add_business_days(d: date, n: int, profile: CarrierProfile) -> date:
    """Return the n-th business day after the day (before it when n < 0; the day when n = 0)."""
    return _add_business_days(_day(d), n, profile.holidays)


@lru_cache(maxsize=65536)
def _add_business_days(d: date, n: int, names: tuple[str, ...]) -> date:
    step = ONE_DAY if n >= 0 else -ONE_DAY
    remaining = abs(n)
    while remaining:
        d += step
        if d.weekday() < 5 and d not in holiday_dates(names, d.year):
            remaining -= 1
    return d


@lru_cache(maxsize=64)
def _zone_named(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_for(state: str, profile: CarrierProfile) -> tzinfo:
    """Return the time zone of a state; a state the profile lacks falls back to its default."""
    key = state.upper() if isinstance(state, str) else ""
    name = profile.states.get(key) or str(profile.extra.get("default_time_zone", "UTC"))
    return _zone_named(name)


def local_at(day: date, at: time, zone: tzinfo) -> datetime:
    """Return the aware local datetime of a wall-clock time on a day."""
    return datetime.combine(day, at, tzinfo=zone)


def day_start_utc(day: date, zone: tzinfo, *, after: bool = False) -> datetime | None:
    """Local midnight of the day in the zone (with `after`, of the next day), in UTC, exact
    across DST; None at the calendar's edges (year 1 east of UTC, the end of 9999-12-31),
    which as a search's bound exclude nothing."""
    try:
        if after:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return None


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def add_business_hours(dt: datetime, hours: float, state: str,
                       profile: CarrierProfile) -> datetime:
    """Add business hours (08:00-17:00 local on business days) to an aware datetime."""
    zone = zone_for(state, profile)
    local = _aware(dt).astimezone(zone).replace(tzinfo=None)
    start, end = profile.business_start, profile.business_end
    day, remaining = local.date(), timedelta(hours=hours)
    cursor = local
    if not is_business_day(day, profile) or local.time() >= end:
        day = next_business_day(day, profile)
        cursor = datetime.combine(day, start)
    elif local.time() < start:
        cursor = datetime.combine(day, start)
    while True:
        available = datetime.combine(day, end) - cursor
        if remaining <= available:
            return (cursor + remaining).replace(tzinfo=zone)
        remaining -= available
        day = next_business_day(day, profile)
        cursor = datetime.combine(day, start)


def porting_window(due_date: date, state: str, profile: CarrierProfile,
                   opens_at: time | None = None) -> tuple[datetime, datetime]:
    """Return the porting window (§5.5): due date 00:00 to 23:59:59 of its 4th business day.

    `opens_at`: a coordinated cut's time of day (§13.2) opens the window then instead."""
    zone = zone_for(state, profile)
    last = add_business_days(due_date, profile.porting_window_business_days, profile)
    return local_at(_day(due_date), opens_at or time(0, 0), zone), \
        local_at(last, END_OF_DAY, zone)


def conflict_deadline(due_date: date, state: str, profile: CarrierProfile) -> datetime:
    """Return 12:00 local of the business day before the due date (§9.4)."""
    return local_at(add_business_days(due_date, -1, profile), NOON, zone_for(state, profile))


def local_day(at: datetime, state: str, profile: CarrierProfile) -> date:
    """The local date of a moment in the state's zone (§5.1)."""
    return _aware(at).astimezone(zone_for(state, profile)).date()
