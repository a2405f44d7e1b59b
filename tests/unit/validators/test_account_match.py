"""Name and address matching after §4.5 normalization."""
from __future__ import annotations

import pytest

from validators.account_match import address_matches, names_match, normalize

SAME_NAMES = [
    ("HIGH DESERT DENTAL P.C.", "HIGH DESERT DENTAL PC"),
    ("Linda Nakamura", "LINDA NAKAMURA"),
    ("LINDA  NAKAMURA", "LINDA NAKAMURA"),
    ("Smith & Sons", "SMITH AND SONS"),
    ("ACME INC.", "ACME INCORPORATED"),
    ("Acme, Inc", "ACME INC"),
    ("BEND TIMBER CORP", "BEND TIMBER CORPORATION"),
    ("CASCADE FEED CO", "CASCADE FEED COMPANY"),
    ("RIVERBEND LLC", "RIVERBEND L L C"),
    ("RIVERBEND L.L.C.", "RIVERBEND LLC"),
    ("O'NEIL PLUMBING", "ONEIL PLUMBING"),
    ("SMITH-JONES LAW", "SMITH JONES LAW"),
    ("MT. HOOD MEADOWS", "MT HOOD MEADOWS"),
    ("A & B AUTO BODY", "A AND B AUTO BODY"),
    ("KLAMATH FALLS GRAIN COMPANY INCORPORATED", "KLAMATH FALLS GRAIN CO INC"),
    ("  deschutes brewery  ", "DESCHUTES BREWERY"),
    ("NORTHWEST PIPE CO", "NW PIPE COMPANY"),
    ("PINE & OAK CORP.", "PINE AND OAK CORPORATION"),
    ("BLUE-SKY DINER", "BLUESKY DINER"),
    ("J.R. SIMPLOT CO", "JR SIMPLOT COMPANY"),
]
DIFFERENT_NAMES = [
    ("HIGH DESERT DENTAL PC", "LOW DESERT DENTAL PC"),
    ("LINDA NAKAMURA", "LINDA NAKAMURO"),
    ("ACME INC", "ACME LLC"),
    ("SMITH AND SONS", "SMITH AND SON"),
    ("BEND TIMBER CORP", "BEND TIMBER CO"),
    ("RIVERBEND LLC", "RIVERBEND INC"),
    ("JOHN SMITH", "JANE SMITH"),
    ("CASCADE FEED", "CASCADE SEED"),
    ("", "LINDA NAKAMURA"),
    ("DESCHUTES BREWERY", "DESCHUTES BREWERY 2"),
]
SAME_PARTS = [
    ("NORTHWEST", "NW"), ("North", "N"), ("SOUTH EAST", "SE"), ("southwest", "SW"),
    ("EAST", "E"), ("W.", "W"), ("AVENUE", "AVE"), ("Ave.", "AVE"), ("STREET", "ST"),
    ("ROAD", "RD"), ("DRIVE", "DR"), ("BOULEVARD", "BLVD"), ("LANE", "LN"), ("COURT", "CT"),
    ("PLACE", "PL"), ("PARKWAY", "PKWY"), ("HIGHWAY", "HWY"), ("CIRCLE", "CIR"),
    ("TERRACE", "TER"), ("WAY", "WAY"), ("FIR CREST", "FIRCREST"), ("bend", "BEND"),
    ("KLAMATH FALLS", "KLAMATH  FALLS"), ("or", "OR"),
]
DIFFERENT_PARTS = [
    ("NORTHWEST", "NE"), ("N", "S"), ("AVENUE", "ST"), ("ROAD", "DR"), ("COURT", "CIR"),
    ("61", "62"), ("BEND", "REDMOND"), ("OR", "WA"), ("HWY", "PKWY"), ("", "NW"),
]


@pytest.mark.parametrize("a,b", SAME_NAMES)
def test_names_match_after_normalization(a, b):
    assert names_match(a, b) and names_match(b, a)


@pytest.mark.parametrize("a,b", DIFFERENT_NAMES)
def test_names_differ(a, b):
    assert not names_match(a, b)


@pytest.mark.parametrize("a,b", SAME_PARTS)
def test_address_parts_match_after_normalization(a, b):
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize("a,b", DIFFERENT_PARTS)
def test_address_parts_differ(a, b):
    assert normalize(a) != normalize(b)


ACCOUNT = {"sano": "61", "sasd": "NW", "sasn": "OREGON", "sath": "AVE", "sass": "",
           "ld1": "STE", "lv1": "4", "city": "BEND", "state": "OR", "zip": "97701"}


def test_address_matches_example_partial_port():
    eu = {"sano": "61", "sasd": "NORTHWEST", "sasn": "Oregon", "sath": "AVENUE",
          "ld1": "SUITE", "lv1": "400", "city": "Bend", "state": "or"}
    assert address_matches(eu, ACCOUNT) == []  # LD1/LV1 are not compared


def test_address_blank_part_where_account_has_one_is_a_mismatch():
    eu = {"sano": "61", "sasn": "OREGON", "sath": "AVE", "city": "BEND", "state": "OR"}
    assert address_matches(eu, ACCOUNT) == ["sasd"]


def test_address_extra_part_the_account_lacks_is_a_mismatch():
    eu = {**ACCOUNT, "sass": "E"}
    assert address_matches(eu, ACCOUNT) == ["sass"]


def test_address_matches_never_raises_on_junk():
    assert address_matches(None, ACCOUNT) == ["sano", "sasd", "sasn", "sath", "city", "state"]
    assert "sano" in address_matches({"sano": ["61"]}, ACCOUNT)
