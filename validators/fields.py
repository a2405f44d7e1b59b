"""LSR field checks (business-rules §4.1): required (R601), formats (R602), R603 R604 R605."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from validators.catalog import FIELDS, finding, list_tns
from validators.findings import Finding

Check = Callable[[str], bool]
_TN_DIGITS = r"[2-9][0-9]{2}[2-9][0-9]{6}"  # NANP: NPA and NXX start 2-9; ASCII digits only
# \A…\Z, not ^…$: "$" also matches before a trailing newline ("5415550142\n" is no TN, §4.1)
TN_RE = re.compile(rf"\A{_TN_DIGITS}\Z")
WIRELINE_NPDI = frozenset("CDGH")  # §4.1: a port from wireline
# Fields whose every wrong value is another rule's: AGAUTH -> R101, REQTYP/ACT -> R605,
# PASSCODE -> R306, LOA -> R102 (agents), TNs -> their own list checks.
OWN_RULE_FIELDS = frozenset({"agauth", "reqtyp", "act", "passcode", "loa", "tns"})
REQTYP_ACT = {"CB": frozenset("VZ"), "BB": frozenset("VZ")}  # §4.1 R605
_ALWAYS = ("always",)
_NON_SIMPLE = "non-simple ports"


def _regex(pattern: str) -> Check:
    compiled = re.compile(pattern)
    return lambda v: compiled.fullmatch(v) is not None


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# Each format text of lsr-fields.csv -> a check; the first matching pattern wins.
_FORMATS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Check]]] = [
    (re.compile(r"(\d+)-(\d+) letters or digits"),
     lambda m: _regex(rf"[A-Za-z0-9]{{{m[1]},{m[2]}}}")),
    (re.compile(r"(\d+) letters or digits"), lambda m: _regex(rf"[A-Za-z0-9]{{{m[1]}}}")),
    (re.compile(r"(\d+) letters A-Z"), lambda m: _regex(rf"[A-Z]{{{m[1]}}}")),
    (re.compile(r"(\d+) letters?"), lambda m: _regex(rf"[A-Za-z]{{{m[1]}}}")),
    (re.compile(r"up to (\d+) letters"), lambda m: _regex(rf"[A-Za-z]{{1,{m[1]}}}")),
    (re.compile(r"(\d+)-(\d+) characters"),
     lambda m: lambda v: int(m[1]) <= len(v) <= int(m[2])),
    (re.compile(r"up to (\d+) characters"), lambda m: lambda v: len(v) <= int(m[1])),
    (re.compile(r"10 digits NANP"), lambda m: _regex(_TN_DIGITS)),
    (re.compile(r"YYYY-MM-DD"), lambda m: _is_date),
    (re.compile(r"HH:MM.*"), lambda m: _regex(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")),
    (re.compile(r"[A-Z0-9]+(?:\|[A-Z0-9]+)+"), lambda m: frozenset(m[0].split("|")).__contains__),
    (re.compile(r"([A-Z]) or blank"), lambda m: m[1].__eq__),
    (re.compile(r"[A-Z]"), lambda m: m[0].__eq__),
    (re.compile(r"5 digits or ZIP\+4"), lambda m: _regex(r"[0-9]{5}(?:-?[0-9]{4})?")),
    (re.compile(r".* or words?"), lambda m: _regex(r"[A-Za-z][A-Za-z .'-]{0,29}")),
]


def format_check(fmt: str) -> Check:
    """Derive a value check from a format text of lsr-fields.csv (any text when unknown)."""
    for pattern, build in _FORMATS:
        match = pattern.fullmatch(fmt.strip())
        if match:
            return build(match)
    return lambda v: True


CHECKS: dict[str, Check] = {key: format_check(spec.format) for key, spec in FIELDS.items()}
CHECKS["npdi"] = WIRELINE_NPDI.__contains__
# What a value must be, where the check is narrower than the catalog's format text
# ("A" is 1 letter, yet not an NPDI of a port from wireline).
EXPECTED: dict[str, str] = {"npdi": "one of C, D, G, H (a port from wireline, §4.1)"}


def value_of(data: Any, key: str) -> Any:
    """Return a possibly nested ("eu.zip") raw value, None when absent or blank."""
    if "." in key:
        head, tail = key.split(".", 1)
        data = data.get(head) if isinstance(data, Mapping) else None
        key = tail
    value = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def text_of(data: Any, key: str) -> str | None:
    """Return a field's stripped text, None when absent, blank or not a string."""
    value = value_of(data, key)
    return value.strip() if isinstance(value, str) else None


def is_required(key: str, non_simple: bool | None) -> bool:
    """Tell whether an LSR field is required (conditional ones are their own rules' business)."""
    required = FIELDS[key].required
    return required.startswith(_ALWAYS) or (required == _NON_SIMPLE and bool(non_simple))


def check_field(key: str, value: Any) -> Finding | None:
    """Return R602 when a present value is not a string or not in its catalog format."""
    if value is None:
        return None
    if not isinstance(value, str):
        return finding("R602", f"{key} must be text, got {type(value).__name__}", key)
    if not CHECKS[key](value.strip()):
        expected = EXPECTED.get(key, FIELDS[key].format)
        return finding("R602", f"{key} {value.strip()[:40]!r} is not {expected}", key)
    return None


def check_plain_fields(lsr: Any, non_simple: bool | None) -> list[Finding]:
    """Check R601/R602 for every catalog field except the TN list and own-rule fields."""
    found: list[Finding] = []
    eu = value_of(lsr, "eu")  # a blank string counts as absent (§4.1)
    if eu is not None and not isinstance(eu, Mapping):
        found.append(finding("R602", "eu must be an object", "eu"))
    for key in FIELDS:
        value = value_of(lsr, key)
        if value is None:
            if key != "tns" and is_required(key, non_simple):
                found.append(finding("R601", key, key))
        elif key not in OWN_RULE_FIELDS:
            problem = check_field(key, value)
            if problem:
                found.append(problem)
    return found


def check_reqtyp_act(lsr: Any) -> list[Finding]:
    """Return R605 for an unsupported REQTYP or ACT (R602 when not text)."""
    found: list[Finding] = []
    for key, allowed in (("reqtyp", REQTYP_ACT), ("act", REQTYP_ACT["CB"])):
        value = value_of(lsr, key)
        if value is None:
            continue
        if not isinstance(value, str):
            found.append(finding("R602", f"{key} must be text", key))
        elif value.strip() not in allowed:
            found.append(finding("R605", f"{key.upper()} {value.strip()[:10]!r}", key))
    return found


def parse_tns(value: Any, max_tns: int) -> tuple[list[str], list[Finding]]:
    """Return the well-formed TNs (first occurrence order) and R601/R602/R603/R604 findings.

    A blank string counts as absent (§4.1): a blank list is no list, a blank entry no entry.
    """
    if isinstance(value, str) and not value.strip():
        value = None
    elif isinstance(value, list):
        value = [item for item in value if not (isinstance(item, str) and not item.strip())]
    if value is None or value == []:
        return [], [finding("R601", "tns (1 to 500 TNs)", "tns")]
    if not isinstance(value, list):
        return [], [finding("R602", "tns must be a list of 10-digit TNs", "tns")]
    found: list[Finding] = []
    if len(value) > max_tns:
        found.append(finding("R603", f"{len(value)} TNs, at most {max_tns}", "tns"))
    seen: dict[str, None] = {}
    bad, dups = [], []
    for item in value:
        if not isinstance(item, str) or not TN_RE.fullmatch(item):
            bad.append(repr(item)[:20])
        elif item in seen:
            dups.append(item)
        else:
            seen[item] = None
    if bad:
        found.append(finding("R602", f"not 10-digit NANP TNs: {list_tns(bad)}", "tns"))
    if dups:
        found.append(finding("R604", list_tns(dict.fromkeys(dups)), "tns"))
    return list(seen), found


def check_lsr_fields(lsr: Any, *, non_simple: bool | None = None,
                     max_tns: int = 500) -> list[Finding]:
    """Check the LSR's fields alone (§4.1); non_simple=None means the port type is unknown."""
    if not isinstance(lsr, Mapping):
        return [finding("R602", "the LSR must be a JSON object", "*")]
    found = check_plain_fields(lsr, non_simple)
    found += check_reqtyp_act(lsr)
    found += parse_tns(lsr.get("tns"), max_tns)[1]
    return found
