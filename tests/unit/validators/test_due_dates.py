"""Receipt (§5.1), intervals (§5.2), FOC dates (§5.3), FOC and CSR deadlines, SUP 2 dates."""
from __future__ import annotations

import csv
from datetime import date, datetime, time

import pytest
from conftest import PROFILE, make_order

from validators.calendar import add_business_days, is_business_day
from validators.catalog import DATA_DIR
from validators.due_dates import (
    check_staff_due_date,
    csr_due_at,
    earliest_due_date,
    foc_date,
    foc_due_at,
    interval_for,
    receipt,
    sup2_due_date,
)

SIMPLE, NON_SIMPLE = time(13, 0), time(15, 0)
ROWS = list(csv.DictReader((DATA_DIR / "intervals.csv").read_text().splitlines()))
# Receipt days around weekends, Thanksgiving, Christmas, New Year 2026-2028, and DST changes.
RECEIPT_DAYS = ["2026-11-20", "2026-11-25", "2026-12-23", "2026-12-24", "2026-12-31",
                "2027-12-22", "2027-12-23", "2027-12-30", "2026-03-06", "2026-10-30",
                "2027-03-12", "2027-11-05"]


def _expected(day: date, days: int) -> date:
    """Count business days by hand: weekdays that are not in the spec's holiday list."""
    holidays = {date(2026, 11, 26), date(2026, 11, 27), date(2026, 12, 25), date(2027, 1, 1),
                date(2027, 11, 25), date(2027, 11, 26), date(2027, 12, 24), date(2027, 12, 31)}
    while days:
        day = date.fromordinal(day.toordinal() + 1)
        if day.weekday() < 5 and day not in holidays:
            days -= 1
    return day


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['reqtyp']}-{r['port_type']}-{r['tn_max']}")
def test_interval_for_every_row_of_the_guide(row):
    for n in (int(row["tn_min"]), int(row["tn_max"])):
        kind, days, handling = interval_for(row["reqtyp"], row["port_type"], n)
        assert handling == row["handling"]
        assert days == (int(row["due_business_days"]) if row["due_business_days"] else None)
        assert kind == ("project" if handling == "project" else row["port_type"])


@pytest.mark.parametrize("row", [r for r in ROWS if r["due_business_days"]],
                         ids=lambda r: f"{r['reqtyp']}-{r['port_type']}-{r['tn_max']}")
@pytest.mark.parametrize("day", RECEIPT_DAYS)
def test_earliest_due_date_for_every_automatic_row(row, day):
    receipt_day = date.fromisoformat(day)
    days = int(row["due_business_days"])
    assert earliest_due_date(receipt_day, days, PROFILE) == _expected(receipt_day, days)


def test_above_the_guide_is_a_project():
    assert interval_for("CB", "non_simple", 501) == ("project", None, "project")
    assert interval_for("BB", "non_simple", 101)[0] == "project"


@pytest.mark.parametrize("received,state,cutoff,day,effective", [
    ("2026-11-23T10:00:00-08:00", "OR", SIMPLE, "2026-11-23", "2026-11-23T10:00:00-08:00"),
    ("2026-11-23T06:30:00-08:00", "OR", SIMPLE, "2026-11-23", "2026-11-23T08:00:00-08:00"),
    ("2026-11-23T13:00:00-08:00", "OR", SIMPLE, "2026-11-24", "2026-11-24T08:00:00-08:00"),
    ("2026-11-23T14:00:00-08:00", "OR", NON_SIMPLE, "2026-11-23", "2026-11-23T14:00:00-08:00"),
    ("2026-11-25T14:00:00-08:00", "OR", SIMPLE, "2026-11-30", "2026-11-30T08:00:00-08:00"),
    ("2026-11-28T09:00:00-08:00", "OR", SIMPLE, "2026-11-30", "2026-11-30T08:00:00-08:00"),
    ("2026-12-31T16:00:00-08:00", "WA", NON_SIMPLE, "2027-01-04", "2027-01-04T08:00:00-08:00"),
    ("2027-12-30T15:30:00-08:00", "CA", NON_SIMPLE, "2028-01-03", "2028-01-03T08:00:00-08:00"),
    # DST 2026: Denver is UTC-6 after March 8, Phoenix stays UTC-7.
    ("2026-03-09T19:30:00+00:00", "CO", SIMPLE, "2026-03-10", "2026-03-10T08:00:00-06:00"),
    ("2026-03-09T19:30:00+00:00", "AZ", SIMPLE, "2026-03-09", "2026-03-09T12:30:00-07:00"),
    ("2026-03-06T19:30:00+00:00", "CO", SIMPLE, "2026-03-06", "2026-03-06T12:30:00-07:00"),
    ("2026-10-30T20:30:00+00:00", "OR", SIMPLE, "2026-11-02", "2026-11-02T08:00:00-08:00"),
    ("2026-11-02T20:30:00+00:00", "OR", SIMPLE, "2026-11-02", "2026-11-02T12:30:00-08:00"),
    # DST 2027: March 14 and November 7.
    ("2027-03-15T20:30:00+00:00", "OR", SIMPLE, "2027-03-16", "2027-03-16T08:00:00-07:00"),
    ("2027-03-12T20:30:00+00:00", "OR", SIMPLE, "2027-03-12", "2027-03-12T12:30:00-08:00"),
    ("2027-11-08T20:30:00+00:00", "OR", SIMPLE, "2027-11-08", "2027-11-08T12:30:00-08:00"),
    ("2027-11-05T20:30:00+00:00", "ID", NON_SIMPLE, "2027-11-05", "2027-11-05T14:30:00-06:00"),
])
def test_receipt_in_local_time_of_the_state(received, state, cutoff, day, effective):
    rcpt = receipt(datetime.fromisoformat(received), state, cutoff, PROFILE)
    assert rcpt.receipt_day == date.fromisoformat(day)
    assert rcpt.effective_received_at.isoformat() == effective


def test_foc_date_honors_ddd_on_or_after_earliest_moved_to_business_day():
    earliest, day = date(2026, 11, 24), date(2026, 11, 23)
    assert foc_date(date(2026, 11, 24), earliest, day, False, PROFILE).due_date == earliest
    assert foc_date(date(2026, 11, 26), earliest, day, False, PROFILE).due_date == \
        date(2026, 11, 30)
    assert foc_date(date(2026, 12, 25), earliest, day, False, PROFILE).due_date == \
        date(2026, 12, 28)


def test_foc_date_before_earliest_gives_earliest_or_expedite():
    earliest, day = date(2026, 11, 30), date(2026, 11, 23)
    plain = foc_date(date(2026, 11, 1), earliest, day, False, PROFILE)
    assert (plain.due_date, plain.review_reason) == (earliest, None)
    assert foc_date(date(2026, 11, 24), earliest, day, True, PROFILE).review_reason == "expedite"


def test_foc_date_raises_r501_past_thirty_days():
    day = date(2026, 11, 23)
    assert not foc_date(date(2026, 12, 23), day, day, False, PROFILE).findings
    assert [f.code for f in foc_date(date(2026, 12, 24), day, day, False, PROFILE).findings] == \
        ["R501"]


def test_foc_due_at_by_port_type():
    rcpt = receipt(datetime.fromisoformat("2026-11-25T12:30:00-08:00"), "OR", SIMPLE, PROFILE)
    assert foc_due_at("simple", rcpt, "OR", PROFILE).isoformat() == "2026-11-25T16:30:00-08:00"
    assert foc_due_at("non_simple", rcpt, "OR", PROFILE).isoformat() == \
        "2026-11-30T17:00:00-08:00"
    assert foc_due_at("project", rcpt, "OR", PROFILE).isoformat() == "2026-12-01T17:00:00-08:00"


def test_csr_due_at_end_of_next_business_day():
    rcpt = receipt(datetime.fromisoformat("2026-12-24T10:00:00-08:00"), "OR", NON_SIMPLE, PROFILE)
    assert csr_due_at(rcpt, PROFILE).isoformat() == "2026-12-28T17:00:00-08:00"


@pytest.mark.parametrize("sup_day,ddd,expected", [
    ("2026-12-02", "2026-12-03", "2026-12-03"),  # early enough: DDD honored
    ("2026-12-02", "2026-12-01", "2026-12-03"),  # never before the business day after receipt
    ("2026-12-08", "2026-12-04", "2026-12-09"),  # on the notice limit: floor applies
    ("2026-12-09", "2026-12-11", "2026-12-14"),  # late: interval from the supplement's receipt
    ("2026-12-09", "2026-12-19", "2026-12-21"),  # late, DDD later and moved off the weekend
])
def test_sup2_due_date_rules(sup_day, ddd, expected):
    order = make_order(due_date=date(2026, 12, 10))
    chosen = sup2_due_date(date.fromisoformat(ddd), date.fromisoformat(sup_day), order, PROFILE)
    assert chosen.due_date == date.fromisoformat(expected) and not chosen.findings


def test_sup2_due_date_early_uses_interval_from_original_receipt():
    order = make_order(receipt_day=date(2026, 12, 7), due_date=date(2026, 12, 23))
    assert sup2_due_date(date(2026, 12, 8), date(2026, 12, 7), order, PROFILE).due_date == \
        date(2026, 12, 10)


def test_sup2_r501_counts_from_the_supplements_receipt():
    order = make_order(due_date=date(2026, 12, 10))
    chosen = sup2_due_date(date(2027, 1, 2), date(2026, 12, 2), order, PROFILE)
    assert [f.code for f in chosen.findings] == ["R501"]


def test_staff_due_date_must_be_business_day_on_or_after_receipt_day():
    day = date(2026, 11, 23)
    assert check_staff_due_date(date(2026, 11, 23), day, PROFILE) == []
    assert check_staff_due_date(date(2026, 11, 28), day, PROFILE)
    assert check_staff_due_date(date(2026, 11, 20), day, PROFILE)
    assert check_staff_due_date(date(2026, 11, 26), None, PROFILE)


def test_business_day_helpers_agree():
    day = add_business_days(date(2026, 11, 25), 1, PROFILE)
    assert is_business_day(day, PROFILE)


def test_interval_for_reads_reqtyp_as_the_engine_does_and_knows_no_other():
    assert interval_for(" BB ", "non_simple", 10) == interval_for("BB", "non_simple", 10) \
        == ("non_simple", 5, "automatic")
    for unknown in ("AB", "", None):
        with pytest.raises(ValueError):
            interval_for(unknown, "non_simple", 10)  # type: ignore[arg-type]
