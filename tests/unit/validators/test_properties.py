"""Properties: no input crashes the checks; FOC dates are business days, monotone in receipt."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from conftest import (
    CT01,
    PROFILE,
    dental_account,
    make_account,
    make_facts,
    make_order,
    make_partner,
    partial_lsr,
    simple_lsr,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from validators import (
    check_csr,
    check_lsr,
    check_lsr_fields,
    check_staff_due_date,
    check_supplement,
)
from validators.calendar import add_business_days, is_business_day
from validators.catalog import FIELDS, INTERVALS, REJECT_CODES
from validators.due_dates import foc_date, receipt, sup2_due_date
from validators.findings import Finding

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)
keys = st.sampled_from(sorted({k.split(".")[0] for k in FIELDS} | {"sup", "tn", "eu", "loa"}))
lsr_like = st.dictionaries(keys, json_values, max_size=12)
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 31))
ANY_INPUT = json_values | lsr_like


def _mixed(base: dict, junk: dict) -> dict:
    return {**base, **junk}


@FAST
@given(body=ANY_INPUT | lsr_like.map(lambda j: _mixed(simple_lsr(), j)), at=moments)
def test_no_input_crashes_check_lsr(body, at):
    decision = check_lsr(body, partner=make_partner(), facts=make_facts(), profile=PROFILE,
                         received_at=at)
    assert all(isinstance(f, Finding) for f in decision.findings)


@FAST
@given(body=lsr_like.map(lambda j: _mixed(partial_lsr(), j)), at=moments)
def test_no_partial_lsr_variant_crashes(body, at):
    decision = check_lsr(body, partner=make_partner(type="agent"),
                         facts=make_facts(dental_account()), profile=PROFILE, received_at=at)
    assert all(isinstance(f, Finding) for f in decision.findings)
    assert decision.accepted == (decision.findings == [])


@FAST
@given(body=ANY_INPUT | lsr_like.map(lambda j: _mixed({"tn": "5415550142", "agauth": "Y"}, j)),
       at=moments)
def test_no_input_crashes_check_csr(body, at):
    decision = check_csr(body, partner=make_partner(type="agent"), facts=make_facts(),
                         profile=PROFILE, received_at=at)
    assert all(isinstance(f, Finding) for f in decision.findings)


@FAST
@given(body=ANY_INPUT | lsr_like.map(lambda j: _mixed({"sup": "2", "ver": "2"}, j)),
       at=moments, status=st.sampled_from(["foc", "manual_review", "completed"]),
       port_type=st.sampled_from(["simple", "non_simple", "project", None]),
       due=st.none() | days)
def test_no_input_crashes_check_supplement(body, at, status, port_type, due):
    order = make_order(status=status, port_type=port_type, due_date=due)
    decision = check_supplement(body, order=order, profile=PROFILE, received_at=at, state="OR")
    assert all(isinstance(f, Finding) for f in decision.findings)


@FAST
@given(ddd=days, earliest=days, receipt_day=days, exp=st.booleans())
def test_foc_date_is_a_business_day_on_or_after_earliest(ddd, earliest, receipt_day, exp):
    assume(is_business_day(earliest, PROFILE))
    chosen = foc_date(ddd, earliest, receipt_day, exp, PROFILE)
    assert is_business_day(chosen.due_date, PROFILE) and chosen.due_date >= earliest


def _decide(body: dict, at: datetime, facts):
    return check_lsr(body, partner=make_partner(), facts=facts, profile=PROFILE, received_at=at)


@FAST
@given(at=moments, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
       offset=st.integers(min_value=-5, max_value=25), partial=st.booleans())
def test_later_receipt_never_gives_an_earlier_date(at, later, offset, partial):
    facts = make_facts(dental_account()) if partial else make_facts()
    base = partial_lsr() if partial else simple_lsr()
    ddd = (at + timedelta(days=offset)).date().isoformat()
    first, second = _decide({**base, "ddd": ddd}, at, facts), \
        _decide({**base, "ddd": ddd}, at + later, facts)
    assume(first.accepted and second.accepted)
    assert is_business_day(first.due_date, PROFILE)
    assert first.due_date >= first.earliest_due_date
    assert second.receipt.receipt_day >= first.receipt.receipt_day
    assert second.earliest_due_date >= first.earliest_due_date
    assert second.due_date >= first.due_date


# -- stronger inputs: any zone or none, facts of any shape, every interval row ---------------

any_zone = st.sampled_from([UTC, timezone(timedelta(hours=-10)),
                            timezone(timedelta(hours=5, minutes=30)), ZoneInfo("America/Phoenix"),
                            ZoneInfo("America/New_York"), ZoneInfo("Pacific/Kiritimati")])
any_moment = (st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                           timezones=any_zone)
              | st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
states = st.sampled_from(sorted(PROFILE.states) + ["TX", "", "or"])
statuses = st.sampled_from(["working", "disconnected", "suspended", "ported_out", "", "???"])
classes = st.sampled_from(["pots", "centrex", "isdn", "pbx", "did", "ain", "rcf", ""])
tn_strings = st.sampled_from(["5415550142", "5415550143", "5415550300", "8005550100",
                              "5415557020"])


@st.composite
def odd_facts(draw):
    """Facts a buggy loader might hand over: odd statuses, blank states, missing providers."""
    tns = draw(st.dictionaries(tn_strings, statuses, min_size=1, max_size=4))
    account = make_account(
        "884201", tns, service_class=draw(classes), une=draw(st.booleans()),
        resale_spid=draw(st.none() | st.just("SW01")), port_freeze=draw(st.booleans()),
        locked=draw(st.booleans()), passcode_hash=draw(st.none() | st.just("sha256$zz$00")),
        address={**make_account().address, "state": draw(states),
                 "zip": draw(st.sampled_from(["", "97703", "x"]))})
    providers = {tn: CT01 for tn in draw(st.lists(tn_strings, max_size=5))}
    return make_facts(account, providers=providers,
                      open_orders=draw(st.dictionaries(tn_strings, st.text(max_size=5),
                                                       max_size=2)),
                      pending_svs=frozenset(draw(st.lists(tn_strings, max_size=2))))


@FAST
@given(body=ANY_INPUT | lsr_like.map(lambda j: _mixed(simple_lsr(), j)), at=any_moment,
       facts=odd_facts(), manual=st.booleans(),
       own=st.frozensets(tn_strings, max_size=2))
def test_no_input_or_facts_crash_check_lsr_in_any_zone(body, at, facts, manual, own):
    decision = check_lsr(body, partner=make_partner(), facts=facts, profile=PROFILE,
                         received_at=at, manual_entry=manual, own_order_tns=own)
    assert all(isinstance(f, Finding) and f.code in REJECT_CODES for f in decision.findings)
    if decision.accepted:
        assert decision.due_date is not None and is_business_day(decision.due_date, PROFILE)


@FAST
@given(body=ANY_INPUT | lsr_like.map(lambda j: _mixed({"tn": "5415550142", "agauth": "Y"}, j)),
       at=any_moment, facts=odd_facts())
def test_no_input_or_facts_crash_check_csr_in_any_zone(body, at, facts):
    decision = check_csr(body, partner=make_partner(), facts=facts, profile=PROFILE,
                         received_at=at)
    assert all(isinstance(f, Finding) and f.code in REJECT_CODES for f in decision.findings)


@FAST
@given(body=ANY_INPUT, non_simple=st.none() | st.booleans(), limit=st.integers(0, 600))
def test_no_input_crashes_check_lsr_fields(body, non_simple, limit):
    found = check_lsr_fields(body, non_simple=non_simple, max_tns=limit)
    assert all(isinstance(f, Finding) and f.code in REJECT_CODES for f in found)


@FAST
@given(value=json_values | days | moments, receipt_day=st.none() | days)
def test_no_value_crashes_check_staff_due_date(value, receipt_day):
    found = check_staff_due_date(value, receipt_day, PROFILE)
    assert all(f.code == "R602" for f in found)
    if isinstance(value, date) and not isinstance(value, datetime) and not found:
        assert is_business_day(value, PROFILE)


INTERVAL_ROWS = [row for row in INTERVALS if row.due_business_days]


def _ported(row, n: int, state: str, ddd: date) -> tuple[dict, object]:
    """An accepted-looking LSR for n TNs in the row, from an account in `state`."""
    tns = [f"5035{i:06d}" for i in range(550000, 550000 + n)]
    account = make_account("600100", {tn: "working" for tn in tns}, passcode_hash=None,
                           service_class="pots" if row.port_type == "simple" else "isdn",
                           address={**make_account().address, "state": state})
    body = {**partial_lsr(), "an": "600100", "atn": None, "nan": None, "mi": None,
            "remarks": None, "reqtyp": row.reqtyp, "ddd": ddd.isoformat(), "tns": tns,
            "eu": {"name": "LINDA NAKAMURA", "sano": "2210", "sasn": "FIRCREST", "sath": "DR",
                   "city": "BEND", "state": state, "zip": "97703"}}
    return {k: v for k, v in body.items() if v is not None}, make_facts(account)


@FAST
@given(row=st.sampled_from(INTERVAL_ROWS), at=moments, state=st.sampled_from(sorted(
    PROFILE.states)), offset=st.integers(-10, 40), exp=st.booleans(), data=st.data())
def test_foc_date_is_a_business_day_on_or_after_earliest_for_every_row(row, at, state, offset,
                                                                      exp, data):
    n = data.draw(st.integers(row.tn_min, row.tn_max))
    body, facts = _ported(row, n, state, (at + timedelta(days=offset)).date())
    if exp:
        body["exp"] = "Y"
    decision = check_lsr(body, partner=make_partner(), facts=facts, profile=PROFILE,
                         received_at=at)
    assume(decision.accepted)
    assert decision.port_type == row.port_type
    assert is_business_day(decision.receipt.receipt_day, PROFILE)
    assert decision.earliest_due_date > decision.receipt.receipt_day
    assert is_business_day(decision.due_date, PROFILE)
    assert decision.due_date >= decision.earliest_due_date
    assert (decision.review_reason == "expedite") == (
        exp and date.fromisoformat(body["ddd"]) < decision.earliest_due_date)


@FAST
@given(row=st.sampled_from(INTERVAL_ROWS), at=moments, later=st.timedeltas(
    min_value=timedelta(0), max_value=timedelta(days=10)),
    state=st.sampled_from(sorted(PROFILE.states)), offset=st.integers(-5, 20), data=st.data())
def test_later_receipt_never_gives_an_earlier_date_for_any_row_or_state(row, at, later, state,
                                                                       offset, data):
    n = data.draw(st.integers(row.tn_min, row.tn_max))
    body, facts = _ported(row, n, state, (at + timedelta(days=offset)).date())
    first = check_lsr(body, partner=make_partner(), facts=facts, profile=PROFILE, received_at=at)
    second = check_lsr(body, partner=make_partner(), facts=facts, profile=PROFILE,
                       received_at=at + later)
    assume(first.accepted and second.accepted)
    assert second.receipt.receipt_day >= first.receipt.receipt_day
    assert second.receipt.effective_received_at >= first.receipt.effective_received_at
    assert second.earliest_due_date >= first.earliest_due_date
    assert second.due_date >= first.due_date
    assert second.foc_due_at >= first.foc_due_at


@FAST
@given(at=any_moment, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9)),
       state=states, cutoff=st.sampled_from([PROFILE.cutoff_simple, PROFILE.cutoff_non_simple]))
def test_receipt_is_a_business_day_monotone_in_time_and_never_before_receipt(at, later, state,
                                                                             cutoff):
    first, second = (receipt(at, state, cutoff, PROFILE),
                     receipt(at + later, state, cutoff, PROFILE))
    assert is_business_day(first.receipt_day, PROFILE)
    assert first.effective_received_at >= first.received_at
    assert first.effective_received_at.date() == first.receipt_day
    assert (second.receipt_day, second.effective_received_at) >= \
        (first.receipt_day, first.effective_received_at)


@FAST
@given(ddd=days, day=days, later=st.integers(0, 15), due=st.none() | days,
       port_type=st.sampled_from(["simple", "non_simple", "project"]))
def test_later_sup2_receipt_never_gives_an_earlier_due_date(ddd, day, later, due, port_type):
    assume(is_business_day(day, PROFILE))
    order = make_order(port_type=port_type, due_date=due, receipt_day=date(2026, 1, 2))
    second_day = add_business_days(day, later, PROFILE)
    first = sup2_due_date(ddd, day, order, PROFILE).due_date
    second = sup2_due_date(ddd, second_day, order, PROFILE).due_date
    assert is_business_day(first, PROFILE) and first > day and first >= ddd
    assert second >= first
