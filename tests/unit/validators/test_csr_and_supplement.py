"""check_csr (§3) and check_supplement (§6): each code raised, with its near miss."""
from __future__ import annotations

import base64
from datetime import date, datetime

from conftest import (
    MONDAY_10AM,
    PROFILE,
    Provider,
    make_account,
    make_facts,
    make_order,
    make_partner,
)

from validators import check_csr, check_supplement

CSR = {"tn": "5415550142", "agauth": "Y"}


def csr(req=None, *, facts=None, partner=None, **kw):
    return check_csr(CSR if req is None else req, partner=partner or make_partner(),
                     facts=facts or make_facts(), profile=PROFILE, received_at=MONDAY_10AM, **kw)


def codes(decision) -> list[str]:
    return sorted({f.code for f in decision.findings})


def test_csr_returned_with_due_time_end_of_next_business_day():
    decision = csr()
    assert decision.findings == [] and decision.account_number == "884201"
    assert decision.due_at.isoformat() == "2026-11-24T17:00:00-08:00"


def test_csr_rejected_when_tn_missing_or_malformed():
    assert codes(csr({"agauth": "Y"})) == ["R601"]
    assert codes(csr({"tn": "541-555-0142", "agauth": "Y"})) == ["R602"]


def test_csr_rejected_when_agauth_not_y():
    assert codes(csr({**CSR, "agauth": "N"})) == ["R101"]
    assert codes(csr({"tn": "5415550142"})) == ["R601"]


def test_csr_rejected_when_agent_has_no_loa():
    agent = make_partner(ccna="AGT", type="agent")
    assert codes(csr(partner=agent)) == ["R102"]
    loa = {"filename": "loa.png",
           "content_base64": base64.b64encode(b"\x89PNG\r\n\x1a\nxx").decode()}
    assert csr({**CSR, "loa": loa}, partner=agent).findings == []


def test_csr_rejected_when_ccna_not_approved_for_csr():
    agent = make_partner(ccna="AGT", type="agent", delegations={"BHW": frozenset({"lsr"})})
    loa = {"filename": "l.jpg", "content_base64": base64.b64encode(b"\xff\xd8\xffxx").decode()}
    assert codes(csr({**CSR, "ccna": "BHW", "loa": loa}, partner=agent)) == ["R104"]
    ok = make_partner(ccna="AGT", type="agent", delegations={"BHW": frozenset({"csr"})})
    assert csr({**CSR, "ccna": "BHW", "loa": loa}, partner=ok).findings == []


def test_csr_rejected_when_another_provider_holds_the_tn():
    sw01 = Provider("SW01", "Summit West Communications", None, "code")
    assert codes(csr(facts=make_facts(providers={"5415550142": sw01}))) == ["R201"]


def test_csr_rejected_when_an_differs():
    assert codes(csr({**CSR, "an": "123"})) == ["R301"]
    assert csr({**CSR, "an": "884201"}).findings == []


def test_csr_ignores_open_orders():
    assert csr(facts=make_facts(open_orders={"5415550142": "X1"})).findings == []


def test_csr_rejected_in_manual_state_unless_staff_entered():
    montana = make_account(address={**make_account().address, "state": "MT"})
    assert codes(csr(facts=make_facts(montana))) == ["R701"]
    assert csr(facts=make_facts(montana), manual_entry=True).findings == []


def test_csr_rejected_for_toll_free_and_unknown_tns():
    assert codes(csr({**CSR, "tn": "8885550100"})) == ["R207"]
    assert codes(csr({**CSR, "tn": "5035550100"})) == ["R201"]


def sup(body, *, order=None, received_at=datetime.fromisoformat("2026-12-02T10:00:00-08:00")):
    return check_supplement(body, order=order or make_order(due_date=date(2026, 12, 10)),
                            profile=PROFILE, received_at=received_at, state="OR")


def test_sup2_accepted_with_new_due_date():
    decision = sup({"sup": "2", "ver": "2", "ddd": "2026-12-04", "pon": "BHW20261123A"})
    assert decision.findings == [] and decision.due_date == date(2026, 12, 4)
    assert decision.receipt.receipt_day == date(2026, 12, 2)


def test_an_electronic_supplement_to_a_manual_states_order_is_r701_naming_the_contact():
    decision = check_supplement({"sup": "1", "ver": "2"}, order=make_order(
        due_date=date(2026, 12, 10)), profile=PROFILE, received_at=datetime.fromisoformat(
        "2026-12-02T10:00:00-07:00"), state="MT", manual_contact="Montana Desk, 406-555-0900")
    assert codes(decision) == ["R701"]
    assert "MT: send it to Montana Desk" in decision.findings[0].message
    assert codes(sup({"sup": "1", "ver": "2"})) == []  # no contact given: not refused


def test_supplement_rejected_when_pon_differs():
    assert codes(sup({"sup": "1", "ver": "2", "pon": "OTHER"})) == ["R506"]


def test_supplement_rejected_when_ver_already_used():
    assert codes(sup({"sup": "1", "ver": "1"})) == ["R505"]
    assert sup({"sup": "1", "ver": "2"}).findings == []


def test_supplement_rejected_when_order_not_open():
    for status in ("rejected", "canceled", "expired", "completed"):
        assert codes(sup({"sup": "1", "ver": "2"}, order=make_order(status=status))) == ["R504"]
    assert sup({"sup": "1", "ver": "2"}, order=make_order(status="manual_review")).findings == []


def test_supplement_rejected_when_sup_or_ver_invalid():
    assert codes(sup({"sup": "4", "ver": "2"})) == ["R602"]
    assert codes(sup({"sup": 2, "ver": "2"})) == ["R602"]
    assert codes(sup({"sup": "1"})) == ["R601"]
    assert codes(sup({"ver": "2"})) == ["R601"]


def test_sup2_rejected_without_valid_ddd():
    assert codes(sup({"sup": "2", "ver": "2"})) == ["R601"]
    assert codes(sup({"sup": "2", "ver": "2", "ddd": "soon"})) == ["R602"]


def test_fourth_due_date_supplement_rejected_r503():
    order = make_order(due_date=date(2026, 12, 10), due_date_sups=3)
    decision = sup({"sup": "2", "ver": "5", "ddd": "2026-12-04"}, order=order)
    assert codes(decision) == ["R503"] and decision.due_date is None
    order = make_order(due_date=date(2026, 12, 10), due_date_sups=2)
    assert sup({"sup": "2", "ver": "5", "ddd": "2026-12-04"}, order=order).findings == []


def test_sup2_rejected_r501_past_thirty_days_from_its_receipt():
    assert codes(sup({"sup": "2", "ver": "2", "ddd": "2027-01-02"})) == ["R501"]
    assert sup({"sup": "2", "ver": "2", "ddd": "2027-01-01"}).findings == []


def test_sup3_only_checks_the_envelope():
    assert sup({"sup": "3", "ver": "2", "tns": "junk"}).findings == []
