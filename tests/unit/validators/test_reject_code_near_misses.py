"""Every reject code a validator can raise: one input that raises it, one near miss that does not.

A near miss differs from the raising input in the one detail the rule is about (a day, a digit,
a status), so each pair pins the rule's edge, not just its existence.
"""
from __future__ import annotations

import base64
from dataclasses import replace
from datetime import date, datetime

import pytest
from conftest import (
    MONDAY_10AM,
    PACIFIC,
    PROFILE,
    Provider,
    dental_account,
    make_account,
    make_facts,
    make_order,
    make_partner,
    partial_lsr,
    simple_lsr,
)

from validators import check_csr, check_lsr, check_staff_due_date, check_supplement
from validators.authorization import LOA_MAX_BYTES

SW01 = Provider("SW01", "Summit West Communications", "5413820000", "block")
CT02 = Provider("CT02", "Cascade Telecom Mountain", None, "code")
AGENT_FOR_BHW = make_partner(ccna="AGT", type="agent", spids=frozenset(),
                             delegations={"BHW": frozenset({"lsr", "csr"})})


def _pdf(size: int) -> dict:
    data = b"%PDF-" + bytes(size - 5)
    return {"filename": "loa.pdf", "content_base64": base64.b64encode(data).decode()}


def _dental(**kw):
    return make_facts(dental_account(), **kw)


def _four_line_dental():
    tns = {"5415550300": "working", "5415550301": "working", "5415550302": "disconnected",
           "5415550303": "working"}
    return make_facts(replace(dental_account(), tn_status=tns))


def _pbx(n: int):
    tns = [f"54155{i:05d}" for i in range(10000, 10000 + n)]
    account = make_account("900500", {tn: "working" for tn in tns}, passcode_hash=None,
                           service_class="pbx")
    body = partial_lsr(an="900500", atn=None, nan=None, mi=None, remarks=None, tns=tns)
    body["eu"] = {**body["eu"], "name": "LINDA NAKAMURA", "sano": "2210", "sasd": "",
                  "sasn": "FIRCREST", "sath": "DR", "ld1": "", "lv1": "", "zip": "97703"}
    return body, make_facts(account)


def _pbx_body(n: int):
    return _pbx(n)[0]


def _pbx_facts(n: int):
    return _pbx(n)[1]


def lsr(body=None, facts=None, partner=None, received_at=MONDAY_10AM, **kw):
    """Run check_lsr with the simple example's defaults."""
    return check_lsr(simple_lsr() if body is None else body, partner=partner or make_partner(),
                     facts=facts or make_facts(), profile=PROFILE, received_at=received_at, **kw)


def dental(body):
    return lsr(body, _dental())


def eu(base, **parts):
    body = base
    body["eu"] = {**body["eu"], **parts}
    return body


# code -> (raises it, near miss): zero-argument builders of a decision.
LSR_CASES = {
    "R101": (lambda: lsr(simple_lsr(agauth="N")), lambda: lsr(simple_lsr(agauth=" Y "))),
    "R102": (lambda: lsr(simple_lsr(loa=_pdf(LOA_MAX_BYTES + 1)), partner=AGENT_FOR_BHW),
             lambda: lsr(simple_lsr(loa=_pdf(LOA_MAX_BYTES)), partner=AGENT_FOR_BHW)),
    "R104": (lambda: lsr(simple_lsr(ccna="XYZ", loa=_pdf(100)), partner=AGENT_FOR_BHW),
             lambda: lsr(simple_lsr(ccna="BHW", loa=_pdf(100)), partner=AGENT_FOR_BHW)),
    "R201": (lambda: lsr(facts=make_facts(providers={"5415550142": SW01})),
             lambda: lsr(facts=make_facts(providers={"5415550142": CT02}))),
    "R202": (lambda: lsr(facts=make_facts(make_account(resale_spid="SW01"),
                                          providers={"5415550142": SW01})),
             lambda: lsr(facts=make_facts(make_account(resale_spid="SW02"),
                                          providers={"5415550142": SW01}))),
    "R203": (lambda: lsr(facts=make_facts(make_account(tns={"5415550142": "suspended"}))),
             lambda: lsr(facts=make_facts(make_account(tns={"5415550142": "working"})))),
    "R204": (lambda: lsr(simple_lsr(tns=["5415550143"]),
                         make_facts(providers={"5415550143": CT02})),
             lambda: lsr(simple_lsr(tns=["5415550143"]),
                         make_facts(make_account(tns={"5415550143": "working"})))),
    "R205": (lambda: lsr(facts=make_facts(open_orders={"5415550142": "BHW1"})),
             lambda: lsr(facts=make_facts(open_orders={"5415550142": "BHW1"}),
                         own_order_tns=frozenset({"5415550142"}))),
    "R206": (lambda: lsr(simple_lsr(cc="CT02")), lambda: lsr(simple_lsr(cc="SW01"))),
    "R207": (lambda: lsr(simple_lsr(tns=["8775550100"]),
                         make_facts(make_account(tns={"8775550100": "working"}))),
             lambda: lsr(simple_lsr(tns=["8785550100"]),
                         make_facts(make_account(tns={"8785550100": "working"})))),
    "R301": (lambda: lsr(simple_lsr(an="884202")), lambda: lsr(simple_lsr(an=" 884201 "))),
    "R302": (lambda: lsr(simple_lsr(atn="5415550143")),
             lambda: lsr(simple_lsr(atn="5415550142"))),
    "R303": (lambda: dental(eu(partial_lsr(), name="HIGH DESERT DENTISTRY PC")),
             lambda: dental(eu(partial_lsr(), name="High Desert Dental, P. C."))),
    "R304": (lambda: dental(eu(partial_lsr(), sath="STREET")),
             lambda: dental(eu(partial_lsr(), sath="Ave."))),
    "R305": (lambda: lsr(simple_lsr(eu={"zip": "97702"})),
             lambda: lsr(simple_lsr(eu={"zip": "97703-0001"}))),
    "R306": (lambda: lsr(simple_lsr(passcode="7714")), lambda: lsr(simple_lsr(passcode="7713"))),
    "R307": (lambda: lsr(facts=make_facts(make_account(port_freeze=True))),
             lambda: lsr(facts=make_facts(make_account(port_freeze=False)))),
    "R308": (lambda: lsr(facts=make_facts(make_account(locked=True))),
             lambda: lsr(facts=make_facts(make_account(locked=False)))),
    "R309": (lambda: lsr(simple_lsr(tns=["5415550142", "5415550300"], passcode="7713"),
                         make_facts(make_account(), dental_account())),
             lambda: lsr(partial_lsr(tns=["5415550300", "5415550301"], mi=None, remarks=None,
                                     nan=None), make_facts(make_account(), dental_account()))),
    "R401": (lambda: dental(partial_lsr(mi=None, remarks="PARTIAL")),
             lambda: dental(partial_lsr(mi=None, remarks="partial port"))),
    "R402": (lambda: dental(partial_lsr(nan="5415550302")),
             lambda: dental(partial_lsr(nan="5415550301"))),
    "R403": (lambda: lsr(partial_lsr(remarks="PARTIAL PORT DISC 5415550302"),
                         _four_line_dental()),
             lambda: lsr(partial_lsr(remarks="PARTIAL PORT DISC 5415550303"),
                         _four_line_dental())),
    # Received Monday 13:00 (after the simple cut-off): the receipt day is Tuesday 11-24, so a
    # DDD of 12-24 is exactly 30 days out; the same DDD received at 12:59 is 31 days out.
    "R501": (lambda: lsr(simple_lsr(ddd="2026-12-24"),
                         received_at=datetime(2026, 11, 23, 12, 59, tzinfo=PACIFIC)),
             lambda: lsr(simple_lsr(ddd="2026-12-24"),
                         received_at=datetime(2026, 11, 23, 13, 0, tzinfo=PACIFIC))),
    "R601": (lambda: lsr(simple_lsr(init_tel=" ")), lambda: lsr(simple_lsr(init_tel="5419990123"))),
    "R602": (lambda: lsr(simple_lsr(ddd="2026-11-31")), lambda: lsr(simple_lsr(ddd="2026-11-30"))),
    "R603": (lambda: lsr(_pbx_body(501), _pbx_facts(501)),
             lambda: lsr(_pbx_body(500), _pbx_facts(500))),
    "R604": (lambda: lsr(simple_lsr(tns=["5415550142", "5415550142"])),
             lambda: lsr(simple_lsr(tns=["5415550142"]))),
    "R605": (lambda: lsr(simple_lsr(reqtyp="AB")), lambda: lsr(simple_lsr(reqtyp="BB"),
                                                              _dental_simple_bb())),
    "R701": (lambda: lsr(facts=make_facts(_in_state("MT"))),
             lambda: lsr(facts=make_facts(_in_state("MN")))),
}


def _in_state(state: str):
    return make_account(address={**make_account().address, "state": state})


def _dental_simple_bb():
    """The single-line account, asked for as BB: non-simple, so it needs name and address."""
    return make_facts(make_account(passcode_hash=None))


def _codes(decision) -> set[str]:
    return {f.code for f in decision.findings}


@pytest.mark.parametrize("code", sorted(LSR_CASES))
def test_lsr_rule_raises_its_code(code):
    raising, _ = LSR_CASES[code]
    assert code in _codes(raising()), code


@pytest.mark.parametrize("code", sorted(LSR_CASES))
def test_lsr_near_miss_does_not_raise_the_code(code):
    _, near = LSR_CASES[code]
    decision = near()
    assert code not in _codes(decision), decision.findings


@pytest.mark.parametrize("code", sorted(set(LSR_CASES) - {"R202", "R605"}))
def test_lsr_near_miss_is_accepted_outright(code):
    """The near miss is a clean LSR, so the raising input differs from it in one rule only."""
    _, near = LSR_CASES[code]
    decision = near()
    assert decision.accepted, decision.findings


def test_r605_near_miss_bb_is_a_supported_non_simple_port():
    _, near = LSR_CASES["R605"]
    decision = near()
    assert decision.port_type == "non_simple"
    assert "R601" in _codes(decision)  # a non-simple port needs name and address


def test_r202_near_miss_falls_back_to_r201():
    _, near = LSR_CASES["R202"]
    assert _codes(near()) == {"R201"}


CSR = {"tn": "5415550142", "agauth": "Y"}


def csr(req=None, facts=None, partner=None, **kw):
    return check_csr(CSR if req is None else req, partner=partner or make_partner(),
                     facts=facts or make_facts(), profile=PROFILE, received_at=MONDAY_10AM, **kw)


CSR_CASES = {
    "R101": (lambda: csr({**CSR, "agauth": "YES"}), lambda: csr({**CSR, "agauth": "Y"})),
    "R102": (lambda: csr({**CSR, "loa": {"filename": "loa.gif",
                                         "content_base64": base64.b64encode(b"GIF89a").decode()}},
                         partner=AGENT_FOR_BHW),
             lambda: csr({**CSR, "loa": {"filename": "loa.jpg", "content_base64":
                                         base64.b64encode(b"\xff\xd8\xff\xe0").decode()}},
                         partner=AGENT_FOR_BHW)),
    "R104": (lambda: csr({**CSR, "ccna": "QQQ"}), lambda: csr({**CSR, "ccna": "BHW"})),
    "R201": (lambda: csr(facts=make_facts(providers={"5415550142": SW01})),
             lambda: csr(facts=make_facts(providers={"5415550142": CT02}))),
    "R202": (lambda: csr(facts=make_facts(make_account(resale_spid="SW01"),
                                          providers={"5415550142": SW01})),
             lambda: csr(facts=make_facts(make_account(resale_spid="SW01")))),
    "R203": (lambda: csr(facts=make_facts(make_account(tns={"5415550142": "disconnected"}))),
             lambda: csr(facts=make_facts(make_account(tns={"5415550142": "working"})))),
    "R204": (lambda: csr({**CSR, "tn": "5415550143"},
                         make_facts(providers={"5415550143": CT02})),
             lambda: csr({**CSR, "tn": "5415550143"},
                         make_facts(make_account(tns={"5415550143": "working"})))),
    "R207": (lambda: csr({**CSR, "tn": "8445550100"},
                         make_facts(make_account(tns={"8445550100": "working"}))),
             lambda: csr({**CSR, "tn": "8455550100"},
                         make_facts(make_account(tns={"8455550100": "working"})))),
    "R301": (lambda: csr({**CSR, "an": "884200"}), lambda: csr({**CSR, "an": "884201"})),
    "R601": (lambda: csr({**CSR, "tn": "  "}), lambda: csr({**CSR, "tn": " 5415550142"})),
    "R602": (lambda: csr({**CSR, "tn": "1415550142"}), lambda: csr({**CSR, "tn": "2415550142"},
                                                                  _csr_facts("2415550142"))),
    "R701": (lambda: csr(facts=make_facts(_in_state("MT"))),
             lambda: csr(facts=make_facts(_in_state("MT")), manual_entry=True)),
}


def _csr_facts(tn: str):
    return make_facts(make_account(tns={tn: "working"}))


@pytest.mark.parametrize("code", sorted(CSR_CASES))
def test_csr_rule_raises_its_code_and_its_near_miss_does_not(code):
    raising, near = CSR_CASES[code]
    assert code in _codes(raising())
    decision = near()
    assert decision.findings == [], decision.findings


def sup(body, order=None, received_at=datetime.fromisoformat("2026-12-02T10:00:00-08:00")):
    return check_supplement(body, order=order or make_order(due_date=date(2026, 12, 10)),
                            profile=PROFILE, received_at=received_at, state="OR")


SUP_CASES = {
    "R501": (lambda: sup({"sup": "2", "ver": "2", "ddd": "2027-01-02"}),
             lambda: sup({"sup": "2", "ver": "2", "ddd": "2027-01-01"})),
    "R503": (lambda: sup({"sup": "2", "ver": "5", "ddd": "2026-12-11"},
                         make_order(due_date=date(2026, 12, 10), due_date_sups=3)),
             lambda: sup({"sup": "2", "ver": "5", "ddd": "2026-12-11"},
                         make_order(due_date=date(2026, 12, 10), due_date_sups=2))),
    "R504": (lambda: sup({"sup": "1", "ver": "2"}, make_order(status="completed")),
             lambda: sup({"sup": "1", "ver": "2"}, make_order(status="foc"))),
    "R505": (lambda: sup({"sup": "1", "ver": "1"}), lambda: sup({"sup": "1", "ver": "1A"})),
    "R506": (lambda: sup({"sup": "1", "ver": "2", "pon": "BHW20261123B"}),
             lambda: sup({"sup": "1", "ver": "2", "pon": "BHW20261123A"})),
    "R601": (lambda: sup({"sup": "2", "ver": "2", "ddd": ""}),
             lambda: sup({"sup": "2", "ver": "2", "ddd": "2026-12-11"})),
    "R602": (lambda: sup({"sup": "4", "ver": "2"}), lambda: sup({"sup": "3", "ver": "2"})),
}


@pytest.mark.parametrize("code", sorted(SUP_CASES))
def test_supplement_rule_raises_its_code_and_its_near_miss_does_not(code):
    raising, near = SUP_CASES[code]
    assert code in _codes(raising())
    decision = near()
    assert decision.findings == [], decision.findings


def test_staff_due_date_on_a_holiday_is_refused_the_next_business_day_is_not():
    receipt_day = date(2026, 11, 25)
    assert [f.code for f in check_staff_due_date(date(2026, 11, 27), receipt_day, PROFILE)] == \
        ["R602"]
    assert check_staff_due_date(date(2026, 11, 30), receipt_day, PROFILE) == []


def test_staff_due_date_the_day_before_receipt_is_refused_the_receipt_day_is_not():
    receipt_day = date(2026, 11, 24)
    assert check_staff_due_date(date(2026, 11, 23), receipt_day, PROFILE)
    assert check_staff_due_date(receipt_day, receipt_day, PROFILE) == []
