"""check_lsr_fields alone (§4.1): required, formats from the catalog, R603 R604 R605."""
from __future__ import annotations

import pytest
from conftest import partial_lsr, simple_lsr

from validators.fields import check_field, check_lsr_fields, format_check


def pairs(findings) -> list[tuple[str, str]]:
    return sorted((f.code, f.field) for f in findings)


def test_example_lsrs_have_valid_fields():
    assert check_lsr_fields(simple_lsr(), non_simple=False) == []
    assert check_lsr_fields(partial_lsr(), non_simple=True) == []


def test_fields_required_always():
    found = check_lsr_fields({}, non_simple=False)
    assert {f.field for f in found if f.code == "R601"} == {
        "ccna", "pon", "ver", "an", "cc", "npdi", "reqtyp", "act", "ddd", "agauth",
        "init_tel", "eu.zip", "tns"}


def test_non_simple_fields_required_only_for_non_simple_ports():
    body = simple_lsr()
    assert check_lsr_fields(body, non_simple=False) == []
    assert check_lsr_fields(body) == []  # port type unknown: not required
    assert {f.field for f in check_lsr_fields(body, non_simple=True)} == {
        "init", "eu.name", "eu.sano", "eu.sasn", "eu.city", "eu.state"}


def test_blank_string_counts_as_absent():
    assert pairs(check_lsr_fields(simple_lsr(pon="  "), non_simple=False)) == [("R601", "pon")]


@pytest.mark.parametrize("key,value", [
    ("ccna", "BH1"), ("ccna", "bhw"), ("pon", "A" * 17), ("pon", "PON-1"), ("ver", "ABC"),
    ("an", "88 42"), ("atn", "0415550142"), ("cc", "B45"), ("nnsp", "B4511"), ("npdi", "A"),
    ("npdi", "CD"), ("ddd", "2026-02-30"), ("ddd", "11/24/2026"), ("exp", "N"), ("mi", "B"),
    ("nan", "541555030"), ("remarks", "x" * 501), ("init_tel", "5411990123"), ("sup", "4"),
    ("init", "x" * 61), ("ddd", 20261124), ("an", 884201), ("tns", "5415550142"),
])
def test_value_out_of_format_is_r602(key, value):
    assert pairs(check_lsr_fields(simple_lsr(**{key: value}), non_simple=False)) == \
        [("R602", key)]


@pytest.mark.parametrize("key,value", [("eu.zip", "9770"), ("eu.state", "ORE"),
                                       ("eu.ld1", "SUITE"), ("eu.lv1", "x" * 11),
                                       ("eu.sasd", "N!"), ("eu.zip", 97703)])
def test_eu_value_out_of_format_is_r602(key, value):
    body = simple_lsr()
    body["eu"] = {**body["eu"], key[3:]: value}
    assert pairs(check_lsr_fields(body, non_simple=False)) == [("R602", key)]


@pytest.mark.parametrize("key,value", [("npdi", "C"), ("npdi", "D"), ("npdi", "G"),
                                       ("npdi", "H"), ("exp", "Y"), ("mi", "A"),
                                       ("pon", "A" * 16), ("ddd", "2028-02-29")])
def test_value_in_format_passes(key, value):
    assert check_lsr_fields(simple_lsr(**{key: value}), non_simple=False) == []


def test_value_covered_by_its_own_rule_is_not_r602():
    assert check_lsr_fields(simple_lsr(agauth="N"), non_simple=False) == []  # R101 in check_lsr
    assert pairs(check_lsr_fields(simple_lsr(reqtyp="AB"), non_simple=False)) == \
        [("R605", "reqtyp")]
    assert pairs(check_lsr_fields(simple_lsr(act="W"), non_simple=False)) == [("R605", "act")]


def test_bad_tns_are_r602_duplicates_r604_too_many_r603():
    found = check_lsr_fields(simple_lsr(tns=["1415550142", "5411550142", None, "5415550142",
                                              "5415550142"]), non_simple=False, max_tns=4)
    assert pairs(found) == [("R602", "tns"), ("R603", "tns"), ("R604", "tns")]


def test_empty_tn_list_is_r601():
    assert pairs(check_lsr_fields(simple_lsr(tns=[]), non_simple=False)) == [("R601", "tns")]


@pytest.mark.parametrize("junk", [None, 1, "text", [1, 2], 3.5, True])
def test_non_object_lsr_is_one_r602(junk):
    assert pairs(check_lsr_fields(junk)) == [("R602", "*")]


def test_eu_not_an_object_is_r602():
    found = check_lsr_fields(simple_lsr(eu=["97703"]), non_simple=False)
    assert ("R602", "eu") in pairs(found) and ("R601", "eu.zip") in pairs(found)


def test_format_checks_are_derived_from_format_text():
    assert format_check("1-3 letters or digits")("A1")
    assert not format_check("1-3 letters or digits")("A1B2")
    assert format_check("2 letters A-Z")("AB") and not format_check("2 letters A-Z")("ab")
    assert format_check("X|Y")("Y") and not format_check("X|Y")("Z")
    assert format_check("something new")("anything")


@pytest.mark.parametrize("tns", ["", "   ", [""], ["  ", ""]])
def test_blank_tn_list_or_entries_count_as_absent_r601(tns):
    assert pairs(check_lsr_fields(simple_lsr(tns=tns), non_simple=False)) == [("R601", "tns")]


def test_blank_tn_entry_beside_a_real_tn_is_ignored():
    assert check_lsr_fields(simple_lsr(tns=["5415550142", " "]), non_simple=False) == []


def test_blank_eu_counts_as_absent_not_as_a_bad_object():
    assert pairs(check_lsr_fields(simple_lsr(eu="  "), non_simple=False)) == [("R601", "eu.zip")]


def test_an_npdi_of_one_letter_outside_the_wireline_set_is_told_what_is_expected():
    found = check_field("npdi", "A")
    assert found is not None and "not 1 letter" not in found.message
    assert "C, D, G, H" in found.message


@pytest.mark.parametrize("tn", ["5415550142\n", "541555014\n2", "54155501４2", "٥٤١5550142"])
def test_a_tn_with_a_newline_or_non_ascii_digits_is_r602(tn):
    """`$` matches before a trailing newline and `\\d` any Unicode digit: neither is a TN."""
    found = check_lsr_fields(simple_lsr(tns=[tn]), non_simple=False)
    assert pairs(found) == [("R602", "tns")]


@pytest.mark.parametrize(("key", "value"), [("eu.zip", "97７03"), ("dfdt", "1٥:00"),
                                            ("atn", "541555030٠")])
def test_formats_take_ascii_digits_only(key, value):
    assert check_field(key, value) is not None
