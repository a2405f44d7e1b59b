"""Builders for the rules-engine tests: the example carrier's facts, held in memory."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from validators.carrier_profile import CarrierProfile
from validators.facts import AccountFacts, OrderFacts, OrderState, PartnerFacts, Provider
from validators.passcode import PasscodeKey, hash_passcode

SPEC = Path("/work/shared/spec")
EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
PACIFIC = timezone(timedelta(hours=-8))
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=PACIFIC)
PROFILE = CarrierProfile.from_dict()
CT01 = Provider("CT01", "Cascade Telecom", "5415550000", "code")
SPID_NAMES = {"CT01": "Cascade Telecom", "CT02": "Cascade Telecom Mountain",
              "SW01": "Summit West Communications", "B451": "Blue Heron Wireless"}
PASSCODE_KEY = PasscodeKey(pepper=b"unit-test-pepper", n=16)
PASSCODE_HASH = hash_passcode("7713", PASSCODE_KEY)


def address(**parts: str) -> dict[str, str]:
    """Return a full OBF service address, every part blank unless given."""
    keys = ("sano", "sasd", "sasn", "sath", "sass", "ld1", "lv1", "city", "state", "zip")
    return {k: parts.get(k, "") for k in keys}


def make_account(number: str = "884201", tns: dict[str, str] | None = None,
                 **kw: Any) -> AccountFacts:
    """Build an account; the default is the example's single-line POTS one with passcode 7713."""
    tns = tns or {"5415550142": "working"}
    values: dict[str, Any] = dict(
        account_number=number, btn=next(iter(tns)), customer_name="LINDA NAKAMURA",
        address=address(sano="2210", sasn="FIRCREST", sath="DR", city="BEND", state="OR",
                        zip="97703"),
        service_class="pots", une=False, resale_spid=None, resale_spid_name=None,
        passcode_hash=PASSCODE_HASH, port_freeze=False, locked=False, tn_status=tns,
        passcode_pepper=PASSCODE_KEY.pepper)
    values.update(kw)
    return AccountFacts(**values)


def dental_account() -> AccountFacts:
    """The example's DID account: two working TNs and a disconnected one, no passcode."""
    return make_account(
        "884377", {"5415550300": "working", "5415550301": "working",
                   "5415550302": "disconnected"},
        customer_name="HIGH DESERT DENTAL PC", service_class="did", passcode_hash=None,
        address=address(sano="61", sasd="NW", sasn="OREGON", sath="AVE", ld1="STE", lv1="4",
                        city="BEND", state="OR", zip="97701"))


def make_facts(*accounts: AccountFacts, providers: dict[str, Provider] | None = None,
               **kw: Any) -> OrderFacts:
    """Build order facts where the carrier holds every TN of the accounts given."""
    accounts = accounts or (make_account(),)
    tn_accounts = {tn: a.account_number for a in accounts for tn in a.tn_status}
    all_providers = {tn: CT01 for tn in tn_accounts}
    all_providers.update(providers or {})
    values: dict[str, Any] = dict(providers=all_providers, tn_accounts=tn_accounts,
                                  accounts={a.account_number: a for a in accounts},
                                  known_spids=dict(SPID_NAMES))
    values.update(kw)
    return OrderFacts(**values)


def make_partner(**kw: Any) -> PartnerFacts:
    """Build the example's wireless partner BHW (SPID B451)."""
    values: dict[str, Any] = dict(ccna="BHW", type="wireless", spids=frozenset({"B451"}))
    values.update(kw)
    return PartnerFacts(**values)


def example(name: str) -> dict[str, Any]:
    """Load an example LSR body from the spec folder (or the test data copy)."""
    folder = SPEC / "examples" if (SPEC / "examples").is_dir() else EXAMPLES
    return json.loads((folder / name).read_text())


def simple_lsr(**changes: Any) -> dict[str, Any]:
    """Return the example simple-port LSR with top-level keys changed (None removes a key)."""
    body = example("lsr-simple-port.json")
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def partial_lsr(**changes: Any) -> dict[str, Any]:
    """Return the example partial-port LSR with top-level keys changed (None removes a key)."""
    body = example("lsr-partial-port.json")
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def make_order(**kw: Any) -> OrderState:
    """Build an order with an FOC: simple, received Monday 2026-11-23, due Tuesday the 24th."""
    values: dict[str, Any] = dict(pon="BHW20261123A", status="foc", vers_used=frozenset({"1"}),
                                  port_type="non_simple", reqtyp="CB", n_tns=2,
                                  receipt_day=date(2026, 11, 23), due_date=date(2026, 12, 1),
                                  due_date_sups=0)
    values.update(kw)
    return OrderState(**values)


@pytest.fixture
def profile() -> CarrierProfile:
    """The default carrier profile (business-rules §1.2)."""
    return PROFILE
