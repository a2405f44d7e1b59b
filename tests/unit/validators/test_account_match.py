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


def _addr(sano="", sasd="", sasn="", sath="", sass="", city="", state=""):
    return {"sano": sano, "sasd": sasd, "sasn": sasn, "sath": sath, "sass": sass,
            "city": city, "state": state}


# (as the LSR writes it, as the account holds it): the whole service address must match.
SAME_ADDRESSES = [
    (_addr("61", "NORTHWEST", "Oregon", "Avenue", "", "Bend", "or"),
     _addr("61", "NW", "OREGON", "AVE", "", "BEND", "OR")),
    (_addr("2210", "", "Fir Crest", "Drive", "", "Bend", "OR"),
     _addr("2210", "", "FIRCREST", "DR", "", "BEND", "OR")),
    (_addr("515", "S.E.", "3rd", "St.", "", "Bend", "OR"),
     _addr("515", "SE", "3RD", "ST", "", "BEND", "OR")),
    (_addr("1200", "", "Martin Luther King Jr", "Boulevard", "", "Portland", "OR"),
     _addr("1200", "", "MARTIN LUTHER KING JR", "BLVD", "", "PORTLAND", "OR")),
    (_addr("88", "", "Sunset", "Lane", "North", "Boise", "ID"),
     _addr("88", "", "SUNSET", "LN", "N", "BOISE", "ID")),
    (_addr("4", "", "Pioneer", "Court", "", "Coeur d'Alene", "ID"),
     _addr("4", "", "PIONEER", "CT", "", "COEUR DALENE", "ID")),
    (_addr("17", "South West", "Canyon", "Road", "", "Beaverton", "OR"),
     _addr("17", "SW", "CANYON", "RD", "", "BEAVERTON", "OR")),
    (_addr("300", "", "Cascade", "Parkway", "", "Salem", "OR"),
     _addr("300", "", "CASCADE", "PKWY", "", "SALEM", "OR")),
    (_addr("9", "East", "Lake", "Place", "", "Minneapolis", "MN"),
     _addr("9", "E", "LAKE", "PL", "", "MINNEAPOLIS", "MN")),
    (_addr("1010", "", "Old Town", "Highway", "", "St. Paul", "MN"),
     _addr("1010", "", "OLD TOWN", "HWY", "", "ST PAUL", "MN")),
    (_addr("77", "", "Aspen", "Circle", "", "Park City", "UT"),
     _addr("77", "", "ASPEN", "CIR", "", "PARK CITY", "UT")),
    (_addr("12", "", "Mesa", "Terrace", "", "Scottsdale", "AZ"),
     _addr("12", "", "MESA", "TER", "", "SCOTTSDALE", "AZ")),
    (_addr("400", "", "Harbor", "Way", "", "Seattle", "WA"),
     _addr("400", "", "HARBOR", "WAY", "", "SEATTLE", "WA")),
    (_addr("1-A", "", "Main", "Street", "", "Helena", "MT"),
     _addr("1A", "", "MAIN", "ST", "", "HELENA", "MT")),
    (_addr("250", "NE", "Glisan", "St", "", "Portland", "OR"),
     _addr("250", "NORTHEAST", "GLISAN", "STREET", "", "PORTLAND", "OR")),
    (_addr("5", "", "Front", "Av.", "", "Fargo", "ND"),
     _addr("5", "", "FRONT", "AVE", "", "FARGO", "ND")),
    (_addr("18", "", "Golden", "Trail", "West", "Denver", "CO"),
     _addr("18", "", "GOLDEN", "TRL", "W", "DENVER", "CO")),
    (_addr("640", "", "Town", "Square", "", "Carson City", "NV"),
     _addr("640", "", "TOWN", "SQ", "", "CARSON CITY", "NV")),
    (_addr(" 42 ", "", "  Elm  ", " Street ", "", " Eugene ", " OR "),
     _addr("42", "", "ELM", "ST", "", "EUGENE", "OR")),
    (_addr("3", "SOUTHEAST", "River", "Drive", "", "Sacramento", "CA"),
     _addr("3", "SE", "RIVER", "DR", "", "SACRAMENTO", "CA")),
]
# (LSR, account, the parts that differ): each must be caught, naming only those parts.
DIFFERENT_ADDRESSES = [
    (_addr("62", "NW", "OREGON", "AVE", "", "BEND", "OR"),
     _addr("61", "NW", "OREGON", "AVE", "", "BEND", "OR"), ["sano"]),
    (_addr("61", "NE", "OREGON", "AVE", "", "BEND", "OR"),
     _addr("61", "NW", "OREGON", "AVE", "", "BEND", "OR"), ["sasd"]),
    (_addr("61", "", "OREGON", "AVE", "", "BEND", "OR"),
     _addr("61", "NW", "OREGON", "AVE", "", "BEND", "OR"), ["sasd"]),
    (_addr("61", "NW", "OREGON", "ST", "", "BEND", "OR"),
     _addr("61", "NW", "OREGON", "AVE", "", "BEND", "OR"), ["sath"]),
    (_addr("61", "NW", "OREGON", "AVE", "", "REDMOND", "OR"),
     _addr("61", "NW", "OREGON", "AVE", "", "BEND", "OR"), ["city"]),
    (_addr("61", "NW", "OREGON", "AVE", "", "BEND", "WA"),
     _addr("61", "NW", "OREGON", "AVE", "", "BEND", "OR"), ["state"]),
    (_addr("88", "", "SUNSET", "LN", "S", "BOISE", "ID"),
     _addr("88", "", "SUNSET", "LN", "N", "BOISE", "ID"), ["sass"]),
    (_addr("88", "", "SUNSET", "LN", "", "BOISE", "ID"),
     _addr("88", "", "SUNSET", "LN", "N", "BOISE", "ID"), ["sass"]),
    (_addr("2210", "", "FIRCREST", "CT", "", "BEND", "OR"),
     _addr("2210", "", "FIRCREST", "DR", "", "BEND", "OR"), ["sath"]),
    (_addr("2210", "", "FIRCRESTE", "DR", "", "BEND", "OR"),
     _addr("2210", "", "FIRCREST", "DR", "", "BEND", "OR"), ["sasn"]),
    (_addr("300", "", "CASCADE", "HWY", "", "SALEM", "OR"),
     _addr("300", "", "CASCADE", "PKWY", "", "SALEM", "OR"), ["sath"]),
    (_addr("1A", "", "MAIN", "ST", "", "HELENA", "MT"),
     _addr("1B", "", "MAIN", "ST", "", "HELENA", "MT"), ["sano"]),
    (_addr("12", "", "MESA", "TER", "", "SCOTTSDALE", "AZ"),
     _addr("12", "", "MESA", "TRL", "", "SCOTTSDALE", "AZ"), ["sath"]),
    (_addr("9", "E", "LAKE", "PL", "", "MINNEAPOLIS", "MN"),
     _addr("9", "W", "LAKE", "PL", "", "MINNEAPOLIS", "MN"), ["sasd"]),
    (_addr("1010", "", "OLD TOWN", "HWY", "", "ST PAUL", "MN"),
     _addr("1010", "", "NEW TOWN", "HWY", "", "ST PAUL", "MN"), ["sasn"]),
    (_addr("5", "", "FRONT", "AVE", "", "FARGO", "ND"),
     _addr("15", "", "FRONT", "AVE", "", "WEST FARGO", "ND"), ["sano", "city"]),
    (_addr("640", "", "TOWN", "SQ", "", "CARSON CITY", "NV"),
     _addr("640", "", "TOWN", "SQ", "", "CARSON", "NV"), ["city"]),
    (_addr("3", "SE", "RIVER", "DR", "", "SACRAMENTO", "CA"),
     _addr("3", "SW", "RIVER", "RD", "", "SACRAMENTO", "CA"), ["sasd", "sath"]),
    (_addr("400", "", "HARBOR", "WAY", "", "SEATTLE", "WA"),
     _addr("400", "", "HARBOUR", "WAY", "", "SEATTLE", "WA"), ["sasn"]),
    (_addr("", "NW", "OREGON", "AVE", "", "BEND", "OR"),
     _addr("61", "NW", "OREGON", "AVE", "", "BEND", "OR"), ["sano"]),
]


@pytest.mark.parametrize("lsr,account", SAME_ADDRESSES)
def test_service_addresses_match_after_normalization(lsr, account):
    assert address_matches(lsr, account) == []


@pytest.mark.parametrize("lsr,account,parts", DIFFERENT_ADDRESSES)
def test_service_addresses_differ_naming_only_the_parts_that_differ(lsr, account, parts):
    assert address_matches(lsr, account) == parts


def test_normalization_tables_hold_at_least_forty_pairs_each_way():
    same = len(SAME_NAMES) + len(SAME_PARTS) + len(SAME_ADDRESSES)
    different = len(DIFFERENT_NAMES) + len(DIFFERENT_PARTS) + len(DIFFERENT_ADDRESSES)
    assert same >= 40 and different >= 40
