"""check_lsr: every reject code it can raise, each with a near miss that does not raise it."""
from __future__ import annotations

import base64
from dataclasses import replace
from datetime import date, datetime

from conftest import (
    MONDAY_10AM,
    PACIFIC,
    PROFILE,
    Provider,
    dental_account,
    make_account,
    make_facts,
    make_partner,
    partial_lsr,
    simple_lsr,
)

from validators import check_lsr
from validators.carrier_profile import CarrierProfile

SW01 = Provider("SW01", "Summit West Communications", "5413820000", "block")
PDF_LOA = {"filename": "loa.pdf", "content_base64": base64.b64encode(b"%PDF-1.7 loa").decode()}


def run(body=None, *, facts=None, partner=None, received_at=MONDAY_10AM, profile=PROFILE, **kw):
    return check_lsr(simple_lsr() if body is None else body, partner=partner or make_partner(),
                     facts=facts or make_facts(), profile=profile, received_at=received_at, **kw)


def codes(decision) -> list[str]:
    return sorted({f.code for f in decision.findings})


def dental_facts(**kw):
    return make_facts(dental_account(), **kw)


def big_dental() -> object:
    tns = {"5415550300": "working", "5415550301": "working", "5415550302": "disconnected",
           "5415550303": "working"}
    return replace(dental_account(), tn_status=tns)


def test_simple_example_accepted_with_next_business_day_foc():
    decision = run()
    assert decision.accepted and decision.port_type == "simple"
    assert decision.due_date == date(2026, 11, 24)
    assert decision.foc_due_at.isoformat() == "2026-11-23T14:00:00-08:00"


def test_partial_example_accepted_with_new_btn():
    decision = run(partial_lsr(), facts=dental_facts())
    assert decision.accepted, decision.findings
    assert decision.port_type == "non_simple" and decision.partial
    assert decision.new_btn == "5415550301" and decision.due_date == date(2026, 12, 1)


def test_lsr_rejected_when_agauth_not_y_with_r101_only():
    assert codes(run(simple_lsr(agauth="N"))) == ["R101"]


def test_lsr_rejected_when_agauth_missing_with_r601():
    assert codes(run(simple_lsr(agauth=None))) == ["R601"]


def test_lsr_rejected_when_agent_sends_no_loa():
    agent = make_partner(ccna="AGT", type="agent", spids=frozenset(),
                         delegations={"BHW": frozenset({"lsr"})})
    assert codes(run(partner=agent)) == ["R102"]
    assert run(simple_lsr(loa=PDF_LOA), partner=agent).accepted


def test_lsr_rejected_when_agent_loa_not_a_document():
    agent = make_partner(ccna="AGT", type="agent", delegations={"BHW": frozenset({"lsr"})})
    for loa in ({"filename": "x.exe", "content_base64": base64.b64encode(b"MZ..").decode()},
                {"filename": "x.pdf", "content_base64": "%%%not base64"}, "loa.pdf",
                {"filename": "x.pdf", "content_base64": base64.b64encode(
                    b"%PDF-" + bytes(5 * 1024 * 1024)).decode()}):
        assert codes(run(simple_lsr(loa=loa), partner=agent)) == ["R102"]


def test_lsr_rejected_when_ccna_is_another_carriers():
    assert codes(run(simple_lsr(ccna="XYZ"))) == ["R104"]


def test_lsr_rejected_when_agent_approved_only_for_csr():
    agent = make_partner(ccna="AGT", type="agent", delegations={"BHW": frozenset({"csr"})})
    assert codes(run(simple_lsr(loa=PDF_LOA), partner=agent)) == ["R104"]


def test_lsr_rejected_when_npac_shows_another_provider_naming_it():
    decision = run(facts=make_facts(providers={"5415550142": SW01}))
    assert codes(decision) == ["R201"]
    assert "SW01" in decision.findings[0].message
    assert "Summit West Communications" in decision.findings[0].message


def test_lsr_accepted_when_npac_shows_the_carriers_other_spid():
    ct02 = Provider("CT02", "Cascade Telecom Mountain", None, "code")
    assert run(facts=make_facts(providers={"5415550142": ct02})).accepted


def test_lsr_rejected_r201_when_npa_nxx_unknown_to_npac():
    facts = make_facts()
    facts = replace(facts, providers={})
    decision = run(facts=facts)
    assert codes(decision) == ["R201"] and "no provider" in decision.findings[0].message


def test_lsr_rejected_r202_naming_underlying_carrier_of_resold_line():
    resold = make_account(resale_spid="SW01", resale_spid_name="Summit West Communications")
    decision = run(facts=make_facts(resold, providers={"5415550142": SW01}))
    assert codes(decision) == ["R202"]
    assert "Summit West Communications" in decision.findings[0].message
    assert "SW01" in decision.findings[0].message


def test_lsr_rejected_when_tn_not_working():
    facts = make_facts(make_account(tns={"5415550142": "disconnected"}))
    decision = run(facts=facts)
    assert codes(decision) == ["R203"] and "disconnected" in decision.findings[0].message


def test_lsr_rejected_when_tn_on_no_account():
    facts = make_facts(make_account(tns={"5415550143": "working"}),
                       providers={"5415550142": Provider("CT01", "Cascade Telecom", None, "code")})
    assert "R204" in codes(run(facts=facts))


def test_lsr_rejected_when_tn_on_another_open_order_naming_its_pon():
    decision = run(facts=make_facts(open_orders={"5415550142": "ZZZ1"}))
    assert codes(decision) == ["R205"] and "ZZZ1" in decision.findings[0].message


def test_lsr_accepted_when_open_order_is_its_own():
    facts = make_facts(open_orders={"5415550142": "BHW20261123A"})
    assert run(facts=facts, own_order_tns=frozenset({"5415550142"})).accepted


def test_lsr_rejected_when_tn_has_pending_sv():
    assert codes(run(facts=make_facts(pending_svs=frozenset({"5415550142"})))) == ["R205"]


def test_lsr_rejected_when_cc_is_the_carriers_own_spid():
    assert codes(run(simple_lsr(cc="CT01"))) == ["R206"]


def test_lsr_rejected_when_nnsp_unknown_to_npac():
    decision = run(simple_lsr(nnsp="ZZ99"))
    assert codes(decision) == ["R206"] and decision.findings[0].field == "nnsp"
    assert run(simple_lsr(nnsp="SW01")).accepted


def test_lsr_rejected_r207_first_for_toll_free():
    decision = run(simple_lsr(tns=["8005550100"]))
    assert [f.code for f in decision.findings if f.field == "tns"] == ["R207"]


def test_lsr_rejected_when_an_differs():
    assert codes(run(simple_lsr(an="999999"))) == ["R301"]


def test_lsr_rejected_when_atn_not_btn():
    assert codes(run(simple_lsr(atn="5415550143"))) == ["R302"]
    assert run(simple_lsr(atn="5415550142")).accepted


def test_lsr_rejected_when_non_simple_name_differs():
    body = partial_lsr()
    body["eu"]["name"] = "LOW DESERT DENTAL"
    assert codes(run(body, facts=dental_facts())) == ["R303"]


def test_lsr_accepted_when_simple_port_name_differs():
    body = simple_lsr(eu={"zip": "97703", "name": "SOMEONE ELSE"})
    assert run(body).accepted


def test_lsr_rejected_when_non_simple_address_differs_naming_parts():
    body = partial_lsr()
    body["eu"].update(sano="62", sasd="")
    decision = run(body, facts=dental_facts())
    assert codes(decision) == ["R304"]
    assert "SANO" in decision.findings[0].message and "SASD" in decision.findings[0].message


def test_lsr_rejected_when_zip_differs():
    assert codes(run(simple_lsr(eu={"zip": "97701"}))) == ["R305"]
    assert run(simple_lsr(eu={"zip": "97703-1234"})).accepted


def test_lsr_rejected_when_passcode_missing_without_counting_a_failure():
    decision = run(simple_lsr(passcode=None))
    assert codes(decision) == ["R306"] and not decision.passcode_failed


def test_lsr_rejected_when_passcode_wrong_counting_a_failure():
    decision = run(simple_lsr(passcode="1234"))
    assert codes(decision) == ["R306"] and decision.passcode_failed


def test_lsr_accepted_without_passcode_when_account_has_none():
    facts = make_facts(make_account(passcode_hash=None))
    assert run(simple_lsr(passcode=None), facts=facts).accepted


def test_lsr_rejected_when_port_freeze_on():
    assert codes(run(facts=make_facts(make_account(port_freeze=True)))) == ["R307"]


def test_lsr_rejected_r308_when_locked_without_checking_passcode():
    decision = run(simple_lsr(passcode="0000"), facts=make_facts(make_account(locked=True)))
    assert codes(decision) == ["R308"] and not decision.passcode_failed


def test_lsr_rejected_when_tns_on_two_accounts():
    other = make_account("884999", {"5415550199": "working"}, passcode_hash=None)
    decision = run(simple_lsr(tns=["5415550142", "5415550199"]),
                   facts=make_facts(make_account(), other))
    assert "R309" in codes(decision)


def test_lsr_rejected_when_partial_port_not_identified():
    assert codes(run(partial_lsr(mi=None, remarks=None), facts=dental_facts())) == ["R401"]
    assert run(partial_lsr(mi=None), facts=dental_facts()).accepted  # REMARKS PARTIAL PORT
    assert run(partial_lsr(remarks=None), facts=dental_facts()).accepted  # MI A


def test_lsr_rejected_when_btn_leaves_without_valid_nan():
    for nan in (None, "5415550302", "5415550300", "12"):
        assert codes(run(partial_lsr(nan=nan), facts=dental_facts())) == ["R402"], nan


def test_lsr_accepted_when_btn_stays_without_nan():
    body = partial_lsr(nan=None, tns=["5415550301"], atn=None)
    assert run(body, facts=dental_facts()).accepted


def test_lsr_rejected_when_disc_tn_not_a_working_tn_outside_the_port():
    for remarks in ("PARTIAL PORT DISC 5415550302", "PARTIAL PORT DISC 5415550300",
                    "PARTIAL PORT DISC 5035550199"):
        decision = run(partial_lsr(remarks=remarks), facts=make_facts(big_dental()))
        assert codes(decision) == ["R403"], remarks


def test_lsr_accepted_with_disc_list_and_returns_it():
    decision = run(partial_lsr(remarks="PARTIAL PORT DISC 541-555-0303"),
                   facts=make_facts(big_dental()))
    assert decision.accepted and decision.disconnect_tns == ("5415550303",)


def test_lsr_rejected_when_ddd_more_than_30_days_out():
    assert codes(run(simple_lsr(ddd="2026-12-24"))) == ["R501"]
    assert run(simple_lsr(ddd="2026-12-23")).accepted


def test_lsr_rejected_when_required_field_missing_or_blank():
    decision = run(simple_lsr(pon="   ", cc=None))
    assert codes(decision) == ["R601"]
    assert {f.field for f in decision.findings} == {"pon", "cc"}


def test_lsr_requires_name_and_address_only_for_non_simple_ports():
    body = partial_lsr(init=None)
    del body["eu"]["name"]
    decision = run(body, facts=dental_facts())
    assert codes(decision) == ["R601"]
    assert {f.field for f in decision.findings} == {"init", "eu.name"}
    assert run(simple_lsr()).accepted  # the simple example has neither


def test_lsr_rejected_when_value_not_in_format():
    cases = {"ddd": "2026-13-01", "npdi": "A", "ver": "123", "init_tel": "1415550142",
             "exp": "N", "ccna": "bh"}
    for key, value in cases.items():
        decision = run(simple_lsr(**{key: value}))
        assert [(f.code, f.field) for f in decision.findings] == [("R602", key)], key


def test_lsr_tn_failing_format_is_not_checked_further():
    decision = run(simple_lsr(tns=["541555014", 5415550142, "5415550142"]))
    assert [(f.code, f.field) for f in decision.findings] == [("R602", "tns")]


def test_lsr_rejected_when_too_many_tns():
    small = CarrierProfile.from_dict({"max_tns": 1})
    body = simple_lsr(tns=["5415550142", "5415550143"])
    assert "R603" in codes(run(body, profile=small))
    assert "R603" not in codes(run(body))


def test_lsr_rejected_when_tn_listed_twice():
    decision = run(simple_lsr(tns=["5415550142", "5415550142"]))
    assert codes(decision) == ["R604"]


def test_lsr_rejected_when_reqtyp_or_act_unsupported_with_r605_only():
    assert [(f.code, f.field) for f in run(simple_lsr(reqtyp="AB")).findings] == \
        [("R605", "reqtyp")]
    assert codes(run(simple_lsr(act="X"))) == ["R605"]


def test_lsr_rejected_in_manual_state_naming_the_contact():
    montana = make_account(address={**make_account().address, "state": "MT"})
    facts = make_facts(montana, escalation_contacts={"MT": "Big Sky Desk, 4065550100"})
    decision = run(facts=facts)
    assert codes(decision) == ["R701"] and "Big Sky Desk" in decision.findings[0].message
    assert run(facts=facts, manual_entry=True).accepted


def test_lsr_collects_every_finding_at_once():
    decision = run(simple_lsr(agauth="N", an="1", passcode="0", eu={"zip": "11111"}))
    assert codes(decision) == ["R101", "R301", "R305", "R306"]


def test_lsr_messages_start_with_catalog_message():
    decision = run(simple_lsr(an="999999"))
    assert decision.findings[0].message.startswith("Account number does not match the account")
    assert "999999" in decision.findings[0].message


def test_lsr_expedite_inside_interval_goes_to_staff():
    body = partial_lsr(ddd="2026-11-24", exp="Y")
    decision = run(body, facts=dental_facts())
    assert decision.accepted and decision.review_reason == "expedite"
    assert decision.due_date == date(2026, 11, 30) == decision.earliest_due_date


def test_lsr_ddd_inside_interval_without_expedite_gets_earliest_date():
    decision = run(partial_lsr(ddd="2026-11-20"), facts=dental_facts())
    assert decision.review_reason is None and decision.due_date == date(2026, 11, 30)


def test_lsr_weekend_ddd_moves_to_next_business_day():
    assert run(simple_lsr(ddd="2026-11-28")).due_date == date(2026, 11, 30)


def test_lsr_after_simple_cutoff_counts_next_business_day():
    decision = run(received_at=datetime(2026, 11, 23, 13, 0, tzinfo=PACIFIC))
    assert decision.receipt.receipt_day == date(2026, 11, 24)
    assert decision.due_date == date(2026, 11, 25)


def test_lsr_above_automatic_range_is_a_project_for_staff():
    tns = [f"54155{n:05d}" for n in range(1000, 1101)]
    account = make_account("900001", {tn: "working" for tn in tns}, passcode_hash=None,
                           service_class="pbx")
    body = partial_lsr(an="900001", atn=None, nan=None, mi=None, remarks=None, tns=tns)
    body["eu"] = {**body["eu"], "name": "LINDA NAKAMURA", "sano": "2210", "sasd": "",
                  "sasn": "FIRCREST", "sath": "DR", "zip": "97703"}
    decision = run(body, facts=make_facts(account))
    assert decision.accepted, decision.findings
    assert decision.port_type == "project" and decision.review_reason == "project"
    assert decision.foc_due_at.isoformat() == "2026-11-25T17:00:00-08:00"


def test_lsr_full_port_with_tn_on_open_order_gets_only_r205():
    body = partial_lsr(tns=["5415550300", "5415550301"], mi=None, remarks=None, nan=None)
    decision = run(body, facts=dental_facts(open_orders={"5415550301": "OTHER1"}))
    assert codes(decision) == ["R205"] and not decision.partial


def test_lsr_decision_keeps_known_facts_when_rejected():
    decision = run(partial_lsr(an="1"), facts=dental_facts())
    assert codes(decision) == ["R301"]
    assert decision.account_number == "884377" and decision.new_btn == "5415550301"
    assert decision.tns == ("5415550300",) and decision.partial and decision.due_date is None


def test_lsr_accepted_for_account_in_arizona_without_dst():
    arizona = make_account(address={**make_account().address, "state": "AZ", "zip": "85001"})
    decision = run(simple_lsr(eu={"zip": "85001"}, ddd="2026-03-10"), facts=make_facts(arizona),
                   received_at=datetime.fromisoformat("2026-03-09T19:30:00+00:00"))
    assert decision.accepted and decision.receipt.receipt_day == date(2026, 3, 9)
    assert decision.foc_due_at.isoformat() == "2026-03-09T16:30:00-07:00"


def test_lsr_non_working_tn_does_not_make_a_simple_port_non_simple():
    """§2: a TN that fails a step (R203) is not checked further, so it draws no R601 noise."""
    account = make_account(tns={"5415550142": "working", "5415550143": "disconnected"})
    decision = run(simple_lsr(tns=["5415550142", "5415550143"]), facts=make_facts(account))
    assert codes(decision) == ["R203"] and decision.port_type == "simple"


def test_lsr_with_blank_tn_list_is_r601_only():
    decision = run(simple_lsr(tns=""))
    assert [(f.code, f.field) for f in decision.findings] == [("R601", "tns")]


def test_lsr_agent_with_blank_loa_is_told_none_is_attached():
    agent = make_partner(ccna="AGT", type="agent", delegations={"BHW": frozenset({"lsr"})})
    decision = run(simple_lsr(loa="  "), partner=agent)
    assert codes(decision) == ["R102"] and "no LOA attached" in decision.findings[0].message


def test_lsr_full_partial_port_with_every_other_tn_disconnected_is_accepted():
    tns = {"5415550300": "working", "5415550301": "working", "5415550303": "working"}
    facts = make_facts(replace(dental_account(), tn_status=tns))
    body = partial_lsr(nan=None, remarks="PARTIAL PORT DISC 5415550301, 5415550303")
    decision = run(body, facts=facts)
    assert decision.accepted, decision.findings
    assert decision.disconnect_tns == ("5415550301", "5415550303") and decision.new_btn is None


def test_r201_for_an_unknown_npa_nxx_does_not_claim_npac_shows_another_spid():
    decision = run(facts=replace(make_facts(), providers={}))
    message = decision.findings[0].message
    assert "another SPID" not in message
    assert message.startswith("Not the current provider: NPAC has no provider for NPA-NXX 541555")


def test_an_unsupported_reqtyp_hides_no_r501():
    """§4: all findings together. The 30-day rule needs no port type (R501 with R605)."""
    assert codes(run(simple_lsr(reqtyp="AB", ddd="2026-12-24"))) == ["R501", "R605"]
    assert codes(run(simple_lsr(reqtyp="AB", ddd="2026-12-23"))) == ["R605"]
    assert codes(run(simple_lsr(reqtyp=None, ddd="2027-03-01"))) == ["R501", "R601"]


def test_r501_without_a_port_type_is_raised_only_where_every_cutoff_raises_it():
    """At 14:00 a simple port counts from the next business day, a non-simple one from
    today (§5.1): undecided, the DDD is judged from the later day."""
    at_two = MONDAY_10AM.replace(hour=14)
    assert codes(run(partial_lsr(reqtyp="BB", ddd="2026-12-24"), facts=dental_facts(),
                     received_at=at_two)) == ["R501"]
    assert codes(run(simple_lsr(reqtyp="AB", ddd="2026-12-24"), received_at=at_two)) == ["R605"]
    assert codes(run(simple_lsr(reqtyp="AB", ddd="2026-12-25"),
                     received_at=at_two)) == ["R501", "R605"]
