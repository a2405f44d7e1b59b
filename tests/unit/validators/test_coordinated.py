"""Coordinated ports in the rules engine (business-rules §13.2, §4.7, §7.2)."""
from __future__ import annotations

from datetime import time

from conftest import MONDAY_10AM, PROFILE, make_account, make_facts, make_partner, simple_lsr

from validators import check_lsr
from validators.calendar import porting_window
from validators.coordinated import check_due_time, cut_time
from validators.partial_port import classify

EU = {"name": "LINDA NAKAMURA", "sano": "2210", "sasn": "FIRCREST", "sath": "DR",
      "city": "BEND", "state": "OR", "zip": "97703"}


def coordinated(**changes):
    values = dict(chc="Y", dfdt="10:30", ddd="2026-12-10", init="JANE DOE", eu=dict(EU))
    return simple_lsr(**{**values, **changes})


def run(body, facts=None):
    return check_lsr(body, partner=make_partner(), facts=facts or make_facts(),
                     profile=PROFILE, received_at=MONDAY_10AM)


def test_chc_makes_a_simple_eligible_port_non_simple():
    account = make_account()
    assert classify("CB", account, ["5415550142"]) == "simple"
    assert classify("CB", account, ["5415550142"], coordinated=True) == "non_simple"


def test_coordinated_lsr_goes_to_the_desk_with_reason_coordinated():
    decision = run(coordinated())
    assert decision.findings == []
    assert (decision.port_type, decision.review_reason) == ("non_simple", "coordinated")


def test_coordinated_comes_before_expedite():
    decision = run(coordinated(ddd="2026-11-24", exp="Y"))
    assert decision.findings == [] and decision.review_reason == "coordinated"


def test_project_comes_before_coordinated():
    tns = {f"5415551{n:03d}": "working" for n in range(101)}
    account = make_account(tns=tns)
    decision = run(coordinated(tns=sorted(tns)), facts=make_facts(account))
    assert decision.findings == []
    assert (decision.port_type, decision.review_reason) == ("project", "project")


def test_a_coordinated_port_needs_the_non_simple_fields():
    decision = run(simple_lsr(chc="Y", dfdt="10:30", ddd="2026-12-10"))
    assert {(f.code, f.field) for f in decision.findings} >= {("R601", "eu.name"),
                                                              ("R601", "init")}


def test_cut_hours_are_0800_to_1659():
    assert cut_time("08:00", PROFILE) == time(8, 0)
    assert cut_time("16:59", PROFILE) == time(16, 59)
    assert cut_time("07:59", PROFILE) is None and cut_time("17:00", PROFILE) is None
    assert cut_time("8:00", PROFILE) is None and cut_time(830, PROFILE) is None


def test_staff_due_time_defaults_to_the_asked_time_and_is_refused_elsewhere():
    assert check_due_time(None, coordinated=True, asked="10:30", profile=PROFILE) == \
        ("10:30", True)
    assert check_due_time("16:59", coordinated=True, asked="10:30", profile=PROFILE) == \
        ("16:59", True)
    assert check_due_time("18:00", coordinated=True, asked="10:30", profile=PROFILE) == \
        (None, False)
    assert check_due_time("10:00", coordinated=False, asked=None, profile=PROFILE) == \
        (None, False)
    assert check_due_time("", coordinated=False, asked=None, profile=PROFILE) == (None, True)


def test_the_porting_window_of_a_coordinated_cut_opens_at_its_time():
    from datetime import date

    start, end = porting_window(date(2026, 12, 10), "OR", PROFILE, time(10, 30))
    plain, same_end = porting_window(date(2026, 12, 10), "OR", PROFILE)
    assert start.isoformat() == "2026-12-10T10:30:00-08:00" and end == same_end
    assert plain.isoformat() == "2026-12-10T00:00:00-08:00"


def test_a_cut_time_takes_ascii_digits_only():
    """`\\d` matched any Unicode digit, which time.fromisoformat refuses (a 500, not a 400)."""
    assert cut_time("1٥:00", PROFILE) is None
    assert check_due_time("1٥:00", coordinated=True, asked=None, profile=PROFILE) == (None, False)
    assert cut_time("10:30\n", PROFILE) == time(10, 30)  # stripped, as every field is
