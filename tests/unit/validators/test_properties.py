"""Properties: no input crashes the checks; FOC dates are business days, monotone in receipt."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import (PROFILE, dental_account, make_facts, make_order, make_partner, partial_lsr,
                      simple_lsr)
from validators import check_csr, check_lsr, check_supplement
from validators.calendar import is_business_day
from validators.catalog import FIELDS
from validators.due_dates import foc_date
from validators.findings import Finding

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)
keys = st.sampled_from(sorted({k.split(".")[0] for k in FIELDS} | {"sup", "tn", "eu", "loa"}))
lsr_like = st.dictionaries(keys, json_values, max_size=12)
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(timezone.utc))
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
    check_lsr(body, partner=make_partner(type="agent"), facts=make_facts(dental_account()),
              profile=PROFILE, received_at=at)


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
