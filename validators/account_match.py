"""Name and service-address matching after normalization (business-rules §4.5)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

ADDRESS_PARTS = ("sano", "sasd", "sasn", "sath", "sass", "city", "state")  # LD1/LV1 not compared

_COMPANY = {"&": "AND", "INCORPORATED": "INC", "CORPORATION": "CORP", "COMPANY": "CO"}
# USPS street types of §4.5, plus a few common ones the USPS list also abbreviates.
_STREET_TYPES = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "DRIVE": "DR",
    "BOULEVARD": "BLVD", "LANE": "LN", "COURT": "CT", "PLACE": "PL", "PARKWAY": "PKWY",
    "HIGHWAY": "HWY", "CIRCLE": "CIR", "TERRACE": "TER", "TRAIL": "TRL", "SQUARE": "SQ",
}
_DIRECTIONALS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE",
    "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}
_SYNONYMS = {**_COMPANY, **_STREET_TYPES, **_DIRECTIONALS}
_DROPPED = re.compile(r"[.']")  # "P.C." -> "PC", "O'NEIL" -> "ONEIL"
_TOKEN = re.compile(r"&|[A-Z0-9]+")


@lru_cache(maxsize=65536)
def normalize(value: str) -> str:
    """Return the comparable form: upper case, synonyms unified, punctuation and spaces gone."""
    tokens = _TOKEN.findall(_DROPPED.sub("", value.upper()))
    # Spacing is ignored, so "L L C" joins to "LLC" and "NORTH WEST" to "NW" by itself.
    return "".join(_SYNONYMS.get(t, t) for t in tokens)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def names_match(a: object, b: object) -> bool:
    """Tell whether two customer names are equal after normalization."""
    return normalize(_text(a)) == normalize(_text(b))


def address_matches(eu: object, account_address: Mapping[str, str]) -> list[str]:
    """Return the address parts (SANO SASD SASN SATH SASS CITY STATE) that differ; [] = match."""
    given: Mapping[str, object] = eu if isinstance(eu, Mapping) else {}
    return [part for part in ADDRESS_PARTS
            if normalize(_text(given.get(part))) != normalize(_text(account_address.get(part)))]
