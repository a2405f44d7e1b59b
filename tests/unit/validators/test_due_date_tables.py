"""Due-date tables (§5.1–§5.4): every row of intervals.csv, through check_lsr, at receipt moments
around weekends, Thanksgiving, Christmas, New Year 2026–2028 and the DST changes of 2026 and
2027, in the zones of several states (Arizona keeps no DST).

Each moment is given in UTC; the expected values were counted by hand on the company calendar
(holidays 2026: 11-26, 11-27, 12-25; 2027: 01-01, 11-25, 11-26, 12-24 for Christmas on a
Saturday, 12-31 for New Year 2028 on a Saturday). For each moment: the receipt day with the
13:00 simple cut-off, the simple FOC due time (4 business hours after the effective receipt)
and due date (+1 business day); the receipt day with the 15:00 cut-off, the non-simple due
dates (+3, +4, +5, +10 business days), and the FOC due times of a non-simple order (17:00 of
the next business day) and a project (17:00 of the second business day).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from conftest import PROFILE, address, make_account, make_facts, make_partner

from validators import check_lsr
from validators.catalog import DATA_DIR
from validators.due_dates import receipt


@dataclass(frozen=True)
class Moment:
    name: str
    at: str  # UTC
    state: str
    simple_day: str
    simple_foc_due: str
    simple_due: str
    day: str  # receipt day at the 15:00 cut-off
    due: dict[int, str]  # business days -> due date, counted from `day`
    foc_due: str  # non-simple FOC due time
    project_foc_due: str


MOMENTS = [
    Moment("thanksgiving-eve-1230-OR", "2026-11-25T20:30:00+00:00", "OR",
           "2026-11-25", "2026-11-25T16:30:00-08:00", "2026-11-30",
           "2026-11-25", {3: "2026-12-02", 4: "2026-12-03", 5: "2026-12-04", 10: "2026-12-11"},
           "2026-11-30T17:00:00-08:00", "2026-12-01T17:00:00-08:00"),
    Moment("thanksgiving-eve-1400-CA", "2026-11-25T22:00:00+00:00", "CA",
           "2026-11-30", "2026-11-30T12:00:00-08:00", "2026-12-01",
           "2026-11-25", {3: "2026-12-02", 4: "2026-12-03", 5: "2026-12-04", 10: "2026-12-11"},
           "2026-11-30T17:00:00-08:00", "2026-12-01T17:00:00-08:00"),
    Moment("thanksgiving-eve-1500-NV", "2026-11-25T23:00:00+00:00", "NV",
           "2026-11-30", "2026-11-30T12:00:00-08:00", "2026-12-01",
           "2026-11-30", {3: "2026-12-03", 4: "2026-12-04", 5: "2026-12-07", 10: "2026-12-14"},
           "2026-12-01T17:00:00-08:00", "2026-12-02T17:00:00-08:00"),
    Moment("saturday-before-thanksgiving-CA", "2026-11-21T18:00:00+00:00", "CA",
           "2026-11-23", "2026-11-23T12:00:00-08:00", "2026-11-24",
           "2026-11-23", {3: "2026-11-30", 4: "2026-12-01", 5: "2026-12-02", 10: "2026-12-09"},
           "2026-11-24T17:00:00-08:00", "2026-11-25T17:00:00-08:00"),
    Moment("christmas-eve-1000-MN", "2026-12-24T16:00:00+00:00", "MN",
           "2026-12-24", "2026-12-24T14:00:00-06:00", "2026-12-28",
           "2026-12-24", {3: "2026-12-30", 4: "2026-12-31", 5: "2027-01-04", 10: "2027-01-11"},
           "2026-12-28T17:00:00-06:00", "2026-12-29T17:00:00-06:00"),
    Moment("christmas-eve-0630-OR", "2026-12-24T14:30:00+00:00", "OR",
           "2026-12-24", "2026-12-24T12:00:00-08:00", "2026-12-28",
           "2026-12-24", {3: "2026-12-30", 4: "2026-12-31", 5: "2027-01-04", 10: "2027-01-11"},
           "2026-12-28T17:00:00-08:00", "2026-12-29T17:00:00-08:00"),
    Moment("new-years-eve-1600-CO", "2026-12-31T23:00:00+00:00", "CO",
           "2027-01-04", "2027-01-04T12:00:00-07:00", "2027-01-05",
           "2027-01-04", {3: "2027-01-07", 4: "2027-01-08", 5: "2027-01-11", 10: "2027-01-18"},
           "2027-01-05T17:00:00-07:00", "2027-01-06T17:00:00-07:00"),
    Moment("thanksgiving-eve-2027-ID", "2027-11-24T16:00:00+00:00", "ID",
           "2027-11-24", "2027-11-24T13:00:00-07:00", "2027-11-29",
           "2027-11-24", {3: "2027-12-01", 4: "2027-12-02", 5: "2027-12-03", 10: "2027-12-10"},
           "2027-11-29T17:00:00-07:00", "2027-11-30T17:00:00-07:00"),
    Moment("christmas-2027-observed-friday-WA", "2027-12-22T22:30:00+00:00", "WA",
           "2027-12-23", "2027-12-23T12:00:00-08:00", "2027-12-27",
           "2027-12-22", {3: "2027-12-28", 4: "2027-12-29", 5: "2027-12-30", 10: "2028-01-07"},
           "2027-12-23T17:00:00-08:00", "2027-12-27T17:00:00-08:00"),
    Moment("new-year-2028-observed-2027-12-31-AZ", "2027-12-30T18:00:00+00:00", "AZ",
           "2027-12-30", "2027-12-30T15:00:00-07:00", "2028-01-03",
           "2027-12-30", {3: "2028-01-05", 4: "2028-01-06", 5: "2028-01-07", 10: "2028-01-14"},
           "2028-01-03T17:00:00-07:00", "2028-01-04T17:00:00-07:00"),
    Moment("friday-before-dst-2026-OR", "2026-03-06T20:30:00+00:00", "OR",
           "2026-03-06", "2026-03-06T16:30:00-08:00", "2026-03-09",
           "2026-03-06", {3: "2026-03-11", 4: "2026-03-12", 5: "2026-03-13", 10: "2026-03-20"},
           "2026-03-09T17:00:00-07:00", "2026-03-10T17:00:00-07:00"),
    Moment("dst-start-sunday-2026-OR", "2026-03-08T17:00:00+00:00", "OR",
           "2026-03-09", "2026-03-09T12:00:00-07:00", "2026-03-10",
           "2026-03-09", {3: "2026-03-12", 4: "2026-03-13", 5: "2026-03-16", 10: "2026-03-23"},
           "2026-03-10T17:00:00-07:00", "2026-03-11T17:00:00-07:00"),
    Moment("monday-after-dst-2026-CO", "2026-03-09T19:30:00+00:00", "CO",
           "2026-03-10", "2026-03-10T12:00:00-06:00", "2026-03-11",
           "2026-03-09", {3: "2026-03-12", 4: "2026-03-13", 5: "2026-03-16", 10: "2026-03-23"},
           "2026-03-10T17:00:00-06:00", "2026-03-11T17:00:00-06:00"),
    Moment("monday-after-dst-2026-AZ-no-dst", "2026-03-09T19:30:00+00:00", "AZ",
           "2026-03-09", "2026-03-09T16:30:00-07:00", "2026-03-10",
           "2026-03-09", {3: "2026-03-12", 4: "2026-03-13", 5: "2026-03-16", 10: "2026-03-23"},
           "2026-03-10T17:00:00-07:00", "2026-03-11T17:00:00-07:00"),
    Moment("friday-before-dst-end-2026-OR", "2026-10-30T20:30:00+00:00", "OR",
           "2026-11-02", "2026-11-02T12:00:00-08:00", "2026-11-03",
           "2026-10-30", {3: "2026-11-04", 4: "2026-11-05", 5: "2026-11-06", 10: "2026-11-13"},
           "2026-11-02T17:00:00-08:00", "2026-11-03T17:00:00-08:00"),
    Moment("dst-end-sunday-2026-MN", "2026-11-01T15:00:00+00:00", "MN",
           "2026-11-02", "2026-11-02T12:00:00-06:00", "2026-11-03",
           "2026-11-02", {3: "2026-11-05", 4: "2026-11-06", 5: "2026-11-09", 10: "2026-11-16"},
           "2026-11-03T17:00:00-06:00", "2026-11-04T17:00:00-06:00"),
    Moment("friday-before-dst-2027-UT", "2027-03-12T19:30:00+00:00", "UT",
           "2027-03-12", "2027-03-12T16:30:00-07:00", "2027-03-15",
           "2027-03-12", {3: "2027-03-17", 4: "2027-03-18", 5: "2027-03-19", 10: "2027-03-26"},
           "2027-03-15T17:00:00-06:00", "2027-03-16T17:00:00-06:00"),
    Moment("monday-after-dst-2027-UT", "2027-03-15T19:30:00+00:00", "UT",
           "2027-03-16", "2027-03-16T12:00:00-06:00", "2027-03-17",
           "2027-03-15", {3: "2027-03-18", 4: "2027-03-19", 5: "2027-03-22", 10: "2027-03-29"},
           "2027-03-16T17:00:00-06:00", "2027-03-17T17:00:00-06:00"),
    Moment("friday-before-dst-end-2027-ND", "2027-11-05T21:30:00+00:00", "ND",
           "2027-11-08", "2027-11-08T12:00:00-06:00", "2027-11-09",
           "2027-11-08", {3: "2027-11-11", 4: "2027-11-12", 5: "2027-11-15", 10: "2027-11-22"},
           "2027-11-09T17:00:00-06:00", "2027-11-10T17:00:00-06:00"),
    Moment("monday-after-dst-end-2027-ND", "2027-11-08T20:30:00+00:00", "ND",
           "2027-11-09", "2027-11-09T12:00:00-06:00", "2027-11-10",
           "2027-11-08", {3: "2027-11-11", 4: "2027-11-12", 5: "2027-11-15", 10: "2027-11-22"},
           "2027-11-09T17:00:00-06:00", "2027-11-10T17:00:00-06:00"),
]
ROWS = list(csv.DictReader((DATA_DIR / "intervals.csv").read_text().splitlines()))
ZIPS = {"AZ": "85004", "CA": "95814", "CO": "80202", "ID": "83702", "MN": "55401",
        "ND": "58102", "NV": "89501", "OR": "97204", "UT": "84101", "WA": "98101"}


def _cases() -> list[tuple[dict[str, str], int]]:
    """Each interval row at its smallest and largest TN count (a project only at 101 and 500)."""
    return [(row, n) for row in ROWS
            for n in dict.fromkeys((int(row["tn_min"]), int(row["tn_max"])))]


def _order(row: dict[str, str], n: int, state: str) -> tuple[dict[str, Any], Any]:
    """An LSR for n TNs that the guide puts in `row`, with an account in `state` holding them."""
    simple = row["port_type"] == "simple"
    tns = [f"5035{i:06d}" for i in range(550000, 550000 + n)]
    account = make_account(
        "600100", {tn: "working" for tn in tns}, passcode_hash=None,
        service_class="pots" if simple else "isdn",  # ISDN: never a simple port (§4.7)
        customer_name="ROSE CITY LOGISTICS LLC",
        address=address(sano="100", sasn="MAIN", sath="ST", city="CAPITAL", state=state,
                        zip=ZIPS[state]))
    body = {"ccna": "BHW", "pon": "TABLE1", "ver": "1", "an": "600100", "cc": "B451",
            "npdi": "C", "reqtyp": row["reqtyp"], "act": "V", "ddd": "2026-01-02", "agauth": "Y",
            "init": "Sam Ortiz", "init_tel": "5419990123",
            "eu": {"name": "Rose City Logistics, L.L.C.", "sano": "100", "sasn": "Main",
                   "sath": "Street", "city": "Capital", "state": state, "zip": ZIPS[state]},
            "tns": tns}
    return body, make_facts(account)


def _id(case: tuple[dict[str, str], int]) -> str:
    row, n = case
    return f"{row['reqtyp']}-{row['port_type']}-{row['handling']}-{n}tns"


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.name)
@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_due_dates_for_every_interval_row(moment, case):
    row, n = case
    body, facts = _order(row, n, moment.state)
    received = datetime.fromisoformat(moment.at)
    # A DDD before any earliest date (but within 30 days of receipt): the FOC is the earliest.
    body["ddd"] = received.date().isoformat()
    decision = check_lsr(body, partner=make_partner(), facts=facts, profile=PROFILE,
                         received_at=received)
    assert decision.accepted, decision.findings
    if row["handling"] == "project":
        assert (decision.port_type, decision.review_reason) == ("project", "project")
        assert decision.receipt.receipt_day == date.fromisoformat(moment.day)
        assert decision.earliest_due_date is None
        assert decision.foc_due_at.isoformat() == moment.project_foc_due
        return
    assert decision.port_type == row["port_type"] and decision.review_reason is None
    days = int(row["due_business_days"])
    if row["port_type"] == "simple":
        assert decision.receipt.receipt_day == date.fromisoformat(moment.simple_day)
        assert decision.due_date.isoformat() == moment.simple_due
        assert decision.foc_due_at.isoformat() == moment.simple_foc_due
    else:
        assert decision.receipt.receipt_day == date.fromisoformat(moment.day)
        assert decision.due_date.isoformat() == moment.due[days]
        assert decision.foc_due_at.isoformat() == moment.foc_due
    assert decision.earliest_due_date == decision.due_date


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.name)
def test_ddd_on_a_later_weekend_or_holiday_moves_to_the_next_business_day(moment):
    """§5.3: a DDD past the earliest date is honored, moved off a non-business day."""
    row = next(r for r in ROWS if r["port_type"] == "simple")
    body, facts = _order(row, 1, moment.state)
    received = datetime.fromisoformat(moment.at)
    earliest = date.fromisoformat(moment.simple_due)
    saturday = date.fromordinal(earliest.toordinal() + (5 - earliest.weekday()) % 7 or 7)
    body["ddd"] = saturday.isoformat()
    decision = check_lsr(body, partner=make_partner(), facts=facts, profile=PROFILE,
                         received_at=received)
    assert decision.accepted, decision.findings
    # None of the Mondays after these Saturdays is a company holiday (2028-01-03 included:
    # New Year 2028 is observed on Friday 2027-12-31).
    assert decision.due_date == date.fromordinal(saturday.toordinal() + 2)


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.name)
def test_receipt_uses_the_account_state_not_the_state_the_lsr_names(moment):
    """§5.1: local time is the carrier's record of the service address, not the LSR's EU STATE."""
    received = datetime.fromisoformat(moment.at)
    row = next(r for r in ROWS if r["port_type"] == "simple")
    body, facts = _order(row, 1, moment.state)
    other = "AZ" if moment.state != "AZ" else "MN"
    body["eu"] = {**body["eu"], "state": other}  # a simple port does not compare the address
    decision = check_lsr(body, partner=make_partner(), facts=facts, profile=PROFILE,
                         received_at=received)
    assert decision.accepted, decision.findings
    assert decision.receipt.receipt_day == date.fromisoformat(moment.simple_day)
    assert decision.receipt == receipt(received, moment.state, PROFILE.cutoff_simple, PROFILE)
