"""A contact's phone number: a whole NANP number (or an international one written with +),
with an optional extension. Pure."""
from __future__ import annotations

import re

_EXTENSION = re.compile(r"\s*(?:x|ext\.?)\s*\d{1,6}\s*$", re.IGNORECASE)
_PUNCT = re.compile(r"[\s().\-]")
_NANP = re.compile(r"1?[2-9][0-9]{2}[2-9][0-9]{6}")  # fullmatch (not ^…$), ASCII digits
_INTERNATIONAL = re.compile(r"\+[2-9][0-9]{7,14}")  # E.164 outside NANP: 8 to 15 digits
PHONE_HINT = ("Enter a whole phone number: 10 digits (NPA and NXX start 2-9), or + and the "
              "country code; an extension may follow as x123.")


def phone_ok(text: str) -> bool:
    """Tell whether `text` is a whole phone number ("541-555-01" is not)."""
    number = _PUNCT.sub("", _EXTENSION.sub("", text or ""))
    if number.startswith("+1"):
        number = number[2:]
    return bool(_NANP.fullmatch(number) or _INTERNATIONAL.fullmatch(number))
