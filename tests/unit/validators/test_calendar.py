"""Company calendar: holidays with observed days, business days and hours, local times, DST."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from conftest import PROFILE

from validators.calendar import (
    add_business_days,
    add_business_hours,
    conflict_deadline,
    holiday_dates,
    is_business_day,
    next_business_day,
    porting_window,
)
from validators.carrier_profile import CarrierProfile

UTC = UTC


@pytest.mark.parametrize("day", [
    "2026-01-01", "2026-05-25", "2026-07-03", "2026-09-07", "2026-11-26", "2026-11-27",
    "2026-12-25", "2027-01-01", "2027-05-31", "2027-07-05", "2027-09-06", "2027-11-25",
    "2027-11-26", "2027-12-24", "2027-12-31",
])
def test_company_holidays_are_not_business_days(day):
    assert not is_business_day(date.fromisoformat(day), PROFILE)


@pytest.mark.parametrize("day", [
    "2026-01-19", "2026-06-19", "2026-11-11", "2026-11-25", "2026-11-30", "2026-12-24",
    "2026-12-31", "2027-07-06", "2027-12-27", "2027-12-30",
])
def test_other_weekdays_are_business_days(day):
    assert is_business_day(date.fromisoformat(day), PROFILE)


def test_weekends_are_not_business_days():
    assert not is_business_day(date(2026, 11, 28), PROFILE)
    assert not is_business_day(date(2026, 11, 29), PROFILE)


def test_new_year_on_saturday_is_observed_on_the_friday_before_in_the_old_year():
    assert date(2027, 12, 31) in holiday_dates(PROFILE.holidays, 2027)
    assert date(2028, 1, 1) not in holiday_dates(PROFILE.holidays, 2028)


def test_profile_holidays_can_add_federal_days_and_one_off_dates():
    custom = CarrierProfile.from_dict({"holidays": ["juneteenth", "2026-08-14"]})
    assert not is_business_day(date(2026, 6, 19), custom)
    assert not is_business_day(date(2026, 8, 14), custom)
    assert is_business_day(date(2026, 11, 26), custom)


@pytest.mark.parametrize("start,n,expected", [
    ("2026-11-25", 1, "2026-11-30"), ("2026-11-25", 3, "2026-12-02"),
    ("2026-11-25", 4, "2026-12-03"), ("2026-11-23", 5, "2026-12-02"),
    ("2026-11-23", 10, "2026-12-09"), ("2026-12-24", 1, "2026-12-28"),
    ("2026-12-23", 3, "2026-12-29"), ("2026-12-31", 1, "2027-01-04"),
    ("2027-12-23", 1, "2027-12-27"), ("2027-12-30", 1, "2028-01-03"),
    ("2027-12-22", 5, "2027-12-30"), ("2027-12-22", 10, "2028-01-07"),
    ("2026-03-06", 1, "2026-03-09"), ("2026-07-02", 1, "2026-07-06"),
    ("2027-07-02", 1, "2027-07-06"), ("2026-11-30", -1, "2026-11-25"),
    ("2026-11-28", 0, "2026-11-28"),
])
def test_add_business_days(start, n, expected):
    assert add_business_days(date.fromisoformat(start), n, PROFILE) == date.fromisoformat(expected)


def test_next_business_day_skips_thanksgiving_weekend():
    assert next_business_day(date(2026, 11, 25), PROFILE) == date(2026, 11, 30)


@pytest.mark.parametrize("start,hours,state,expected", [
    ("2026-11-23T10:00:00-08:00", 4, "OR", "2026-11-23T14:00:00-08:00"),
    ("2026-11-23T13:00:00-08:00", 4, "OR", "2026-11-23T17:00:00-08:00"),
    ("2026-11-25T15:00:00-08:00", 4, "OR", "2026-11-30T10:00:00-08:00"),
    ("2026-11-23T06:00:00-08:00", 4, "OR", "2026-11-23T12:00:00-08:00"),
    ("2026-11-23T17:00:00-08:00", 4, "OR", "2026-11-24T12:00:00-08:00"),
    ("2026-11-28T09:00:00-08:00", 4, "OR", "2026-11-30T12:00:00-08:00"),
    ("2026-10-30T16:00:00-07:00", 4, "OR", "2026-11-02T11:00:00-08:00"),
    ("2026-03-06T16:00:00-08:00", 4, "OR", "2026-03-09T11:00:00-07:00"),
    ("2026-03-06T16:00:00-07:00", 4, "AZ", "2026-03-09T11:00:00-07:00"),
    ("2027-12-30T15:00:00-08:00", 4, "WA", "2028-01-03T10:00:00-08:00"),
    ("2026-11-23T23:00:00+00:00", 4, "MN", "2026-11-24T12:00:00-06:00"),
    ("2026-11-23T10:00:00-08:00", 20, "OR", "2026-11-25T12:00:00-08:00"),
])
def test_add_business_hours_skips_nights_weekends_and_holidays(start, hours, state, expected):
    result = add_business_hours(datetime.fromisoformat(start), hours, state, PROFILE)
    assert result.isoformat() == expected


@pytest.mark.parametrize("due,state,start,end", [
    ("2026-11-24", "OR", "2026-11-24T00:00:00-08:00", "2026-12-02T23:59:59-08:00"),
    ("2026-10-29", "OR", "2026-10-29T00:00:00-07:00", "2026-11-04T23:59:59-08:00"),
    ("2027-12-28", "AZ", "2027-12-28T00:00:00-07:00", "2028-01-04T23:59:59-07:00"),
    ("2027-03-12", "CO", "2027-03-12T00:00:00-07:00", "2027-03-18T23:59:59-06:00"),
])
def test_porting_window_runs_to_end_of_fourth_business_day(due, state, start, end):
    opens, closes = porting_window(date.fromisoformat(due), state, PROFILE)
    assert (opens.isoformat(), closes.isoformat()) == (start, end)


def test_conflict_deadline_is_noon_of_business_day_before_due_date():
    assert conflict_deadline(date(2026, 11, 30), "OR", PROFILE).isoformat() == \
        "2026-11-25T12:00:00-08:00"
    assert conflict_deadline(date(2026, 3, 9), "AZ", PROFILE).isoformat() == \
        "2026-03-06T12:00:00-07:00"


def test_unknown_state_falls_back_to_default_zone_without_raising():
    opens, _ = porting_window(date(2026, 11, 24), "TX", PROFILE)
    assert opens.utcoffset().total_seconds() == 0
