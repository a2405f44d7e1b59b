"""The spec's CSV catalogs (reject codes, intervals, LSR fields), packaged and loaded as data."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from validators.findings import Finding

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_LISTED = 10  # TNs named in one message before "and N more"


@dataclass(frozen=True)
class RejectCode:
    """One row of reject-codes.csv."""

    code: str
    rule: str
    applies_to: frozenset[str]
    field: str
    message: str
    remedy: str


@dataclass(frozen=True)
class Interval:
    """One row of intervals.csv (§5.2)."""

    reqtyp: str
    port_type: str
    tn_min: int
    tn_max: int
    due_business_days: int | None
    handling: str  # automatic | project
    foc_due: str


@dataclass(frozen=True)
class FieldSpec:
    """One row of lsr-fields.csv."""

    json_key: str
    obf_field: str
    form: str
    meaning: str
    format: str
    required: str


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@cache
def load_reject_codes() -> dict[str, RejectCode]:
    """Load reject-codes.csv once, keyed by code."""
    return {r["code"]: RejectCode(r["code"], r["rule"], frozenset(r["applies_to"].split()),
                                  r["field"], r["message"], r["remedy"])
            for r in _rows("reject-codes.csv")}


@cache
def load_intervals() -> tuple[Interval, ...]:
    """Load intervals.csv once, in file order."""
    return tuple(Interval(r["reqtyp"].upper(), r["port_type"], int(r["tn_min"]), int(r["tn_max"]),
                          int(r["due_business_days"]) if r["due_business_days"] else None,
                          r["handling"], r["foc_due"])
                 for r in _rows("intervals.csv"))


@cache
def load_fields() -> dict[str, FieldSpec]:
    """Load lsr-fields.csv once, keyed by JSON key (EU fields as "eu.<part>")."""
    return {r["json_key"]: FieldSpec(r["json_key"], r["obf_field"], r["form"], r["meaning"],
                                     r["format"], r["required"])
            for r in _rows("lsr-fields.csv")}


REJECT_CODES: dict[str, RejectCode] = load_reject_codes()
INTERVALS: tuple[Interval, ...] = load_intervals()
FIELDS: dict[str, FieldSpec] = load_fields()


def finding(code: str, detail: str = "", field: str | None = None) -> Finding:
    """Build a finding whose message is the catalog message followed by the specifics."""
    row = REJECT_CODES[code]
    message = f"{row.message}: {detail}" if detail else row.message
    return Finding(code=code, field=field or row.field, message=message)


def list_tns(tns: Iterable[str]) -> str:
    """Name TNs in a message, shortening long lists."""
    items = list(tns)
    shown = ", ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown
