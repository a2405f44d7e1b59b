"""Partial ports (§4.6): identification, DISC lists, NAN; and port classification (§4.7)."""
from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import dental_account, make_account

from validators.partial_port import (
    check_partial,
    classify,
    is_identified_partial,
    parse_disc,
    simple_port_eligible,
)


@pytest.mark.parametrize("remarks,tns,bad", [
    ("DISC 5035550102, 5035550103", ["5035550102", "5035550103"], []),
    ("PARTIAL PORT DISC 503-555-0102 503-555-0103", ["5035550102", "5035550103"], []),
    ("disc: 5035550102;5035550103 thanks", ["5035550102", "5035550103"], []),
    ("PARTIAL PORT. DISC 5035550102, 50355501", ["5035550102"], ["50355501"]),
    ("DISCONNECT 5035550102", [], []),
    ("PARTIAL PORT", [], []),
    (None, [], []),
    ("DISC 5035550102 AND DISC 5035550104", ["5035550102", "5035550104"], []),
])
def test_disc_list_parsed_from_remarks(remarks, tns, bad):
    assert parse_disc(remarks) == (tns, bad)


@pytest.mark.parametrize("mi,remarks,expected", [
    ("A", None, True), ("a", None, True), (None, "PARTIAL PORT", True),
    (None, "this is a partial  port, disc later", True), (None, "PARTIALPORT", False),
    (None, "PORT PARTIAL", False), (None, None, False),
])
def test_partial_identification(mi, remarks, expected):
    assert is_identified_partial(mi, remarks) is expected


def test_full_port_needs_no_identification_or_nan():
    plan = check_partial(dental_account(), ["5415550300", "5415550301"], mi=None,
                         remarks=None, nan=None)
    assert not plan.partial and plan.findings == []


def test_partial_port_keeping_btn_needs_no_nan():
    plan = check_partial(dental_account(), ["5415550301"], mi="A", remarks=None, nan=None)
    assert plan.partial and plan.findings == [] and plan.new_btn is None


def test_nan_must_not_be_a_disc_tn():
    account = replace(dental_account(), tn_status={**dental_account().tn_status,
                                                   "5415550303": "working"})
    plan = check_partial(account, ["5415550300"], mi="A", remarks="DISC 5415550301",
                         nan="5415550301")
    assert [f.code for f in plan.findings] == ["R402"]


def test_simple_port_eligibility():
    assert simple_port_eligible(working_tns=1, service_class="pots", une=False, resold=False)
    assert not simple_port_eligible(working_tns=2, service_class="pots", une=False, resold=False)
    assert not simple_port_eligible(working_tns=1, service_class="centrex", une=False,
                                    resold=False)
    assert not simple_port_eligible(working_tns=1, service_class="pots", une=True, resold=False)
    assert not simple_port_eligible(working_tns=1, service_class="pots", une=False, resold=True)


@pytest.mark.parametrize("reqtyp,changes,tns,expected", [
    ("CB", {}, ["5415550142"], "simple"),
    ("BB", {}, ["5415550142"], "non_simple"),
    ("CB", {"service_class": "isdn"}, ["5415550142"], "non_simple"),
    ("CB", {"une": True}, ["5415550142"], "non_simple"),
    ("CB", {"resale_spid": "SW01"}, ["5415550142"], "non_simple"),
    ("CB", {"tn_status": {"5415550142": "working", "5415550143": "working"}},
     ["5415550142"], "non_simple"),
    ("CB", {"tn_status": {"5415550142": "working", "5415550143": "disconnected"}},
     ["5415550142"], "simple"),
])
def test_classification(reqtyp, changes, tns, expected):
    assert classify(reqtyp, make_account(**changes), tns) == expected


def test_classification_above_automatic_range_is_project():
    tns = [f"54155{n:05d}" for n in range(101)]
    account = make_account(tns={tn: "working" for tn in tns})
    assert classify("CB", account, tns) == "project"
    assert classify("CB", account, tns[:100]) == "non_simple"
    assert classify("BB", account, tns[:51]) == "non_simple"


@pytest.mark.parametrize("remarks,tns,bad", [
    ("PARTIAL PORT DISC (541) 555-0302", ["5415550302"], []),
    ("DISC 541 555 0302, (541)555-0303", ["5415550302", "5415550303"], []),
    ("DISC 541.555.0302; 541-555-0303", ["5415550302", "5415550303"], []),
    ("DISC 5415550302 5415550303", ["5415550302", "5415550303"], []),
    ("DISC 54155503 5415550303", ["5415550303"], ["54155503"]),
    ("DISC 15415550302", [], ["15415550302"]),
    ("DISC 1415550302", [], ["1415550302"]),
])
def test_disc_entries_written_with_spaces_or_parentheses_read_as_tns(remarks, tns, bad):
    assert parse_disc(remarks) == (tns, bad)


def _three_lines():
    tns = {"5415550300": "working", "5415550301": "working", "5415550303": "working"}
    return replace(dental_account(), tn_status=tns)


def test_btn_leaving_with_every_other_tn_disconnected_needs_no_nan():
    plan = check_partial(_three_lines(), ["5415550300"], mi="A",
                         remarks="DISC 5415550301, 5415550303", nan=None)
    assert plan.partial and plan.findings == [] and plan.new_btn is None
    assert plan.disconnect_tns == ("5415550301", "5415550303")


def test_btn_leaving_with_one_tn_staying_still_needs_that_tn_as_nan():
    plan = check_partial(_three_lines(), ["5415550300"], mi="A", remarks="DISC 5415550301",
                         nan=None)
    assert [f.code for f in plan.findings] == ["R402"]
    named = check_partial(_three_lines(), ["5415550300"], mi="A", remarks="DISC 5415550301",
                          nan="5415550303")
    assert named.findings == [] and named.new_btn == "5415550303"


def test_classification_counts_the_lsr_tns_for_the_project_range():
    tns = [f"54155{n:05d}" for n in range(100)]
    account = make_account(tns={tn: "working" for tn in tns})
    assert classify("CB", account, tns) == "non_simple"
    assert classify("CB", account, tns, n_tns=101) == "project"
