"""The partial-port table (business-rules §4.6): port / keep / disconnect per TN and the new BTN,
turned into the LSR's TNs, MI, NAN and REMARKS. Pure."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from validators.partial_port import parse_disc

CHOICES = ("port", "keep", "disconnect")
_PARTIAL = re.compile(r"\bPARTIAL\s+PORT\b[\s.;,]*", re.IGNORECASE)
_DISC = re.compile(r"\bDISC\b[\s:]*[\d()\-.\s,;]*", re.IGNORECASE)
REMARKS_MAX = 500


@dataclass
class PartialFill:
    """What the table puts in the LSR fields, and what is wrong with the choices."""

    tns: list[str]
    mi: str
    nan: str
    remarks: str
    partial: bool
    errors: list[str] = field(default_factory=list)


def choices_from(formdata: Mapping, tns: Iterable[str]) -> dict[str, str]:
    """Read the table's radios (`pp-<tn>`) from the submitted form; unknown values are ignored."""
    picked = {}
    for tn in tns:
        value = formdata.get(f"pp-{tn}")
        if value in CHOICES:
            picked[tn] = value
    return picked


def default_choices(working: Iterable[str], tns: Iterable[str], disc: Iterable[str]) -> dict:
    """Pre-select the table from the LSR as it stands: its TNs port, DISC TNs disconnect; every
    other TN is not yet chosen (absent), and stays unless marked (§4.6)."""
    porting, disconnect = set(tns), set(disc)
    return {tn: "port" if tn in porting else "disconnect" for tn in working
            if tn in porting or tn in disconnect}


def clean_remarks(remarks: str | None) -> str:
    """Remarks without the PARTIAL PORT words and DISC lists the table writes itself."""
    text = _DISC.sub(" ", _PARTIAL.sub(" ", remarks or ""))
    return re.sub(r"\s+", " ", text).strip(" ;,")


def _nan(btn: str, tns: list[str], staying: list[str], new_btn: str | None,
         partial: bool) -> tuple[str, list[str]]:
    """NAN when the BTN leaves in a partial port: a TN that stays (R402)."""
    if not partial or btn not in tns:
        return "", []
    if new_btn in staying:
        return new_btn, []
    if staying:
        return "", [f"The BTN {btn} leaves: choose the new BTN among the TNs you keep."]
    return "", [f"The BTN {btn} leaves and no TN stays to become the new BTN: keep one TN "
                "for it, or port every TN."]


def _remarks(partial: bool, disc: list[str], remarks: str | None) -> str:
    words = ["PARTIAL PORT"] if partial else []
    if disc:
        words.append("DISC " + ", ".join(disc))
    rest = clean_remarks(remarks)
    return "; ".join(words + ([rest] if rest else []))


def plan(working: list[str], btn: str, choices: Mapping[str, str], new_btn: str | None,
         remarks: str | None) -> PartialFill:
    """Fill TNs, MI, NAN and REMARKS from the choices for the account's working TNs."""
    picked = {tn: choices.get(tn, "keep") for tn in working}
    tns = [tn for tn in working if picked[tn] == "port"]
    disc = [tn for tn in working if picked[tn] == "disconnect"]
    staying = [tn for tn in working if picked[tn] == "keep"]
    partial = bool(tns) and len(tns) < len(working)
    nan, errors = _nan(btn, tns, staying, new_btn, partial)
    if not tns:
        errors.insert(0, "Mark at least one TN to port.")
    text = _remarks(partial, disc, remarks)
    if len(text) > REMARKS_MAX:
        errors.append(f"REMARKS would be {len(text)} characters; at most {REMARKS_MAX}.")
    return PartialFill(tns, "A" if partial else "", nan, text[:REMARKS_MAX], partial, errors)


@dataclass(frozen=True)
class TableRow:
    tn: str
    status: str  # the TN's status on the CSR
    choice: str | None  # port | keep | disconnect; None: not yet chosen, or not working
    is_btn: bool

    @property
    def working(self) -> bool:
        return self.status == "working"


def table_rows(csr_tns: list[dict], btn: str, choices: Mapping[str, str]) -> list[TableRow]:
    """Every TN of the account (from the CSR on file) with the choice shown for it."""
    rows = []
    for item in csr_tns:
        tn, status = str(item.get("tn")), str(item.get("status"))
        working = status == "working"
        rows.append(TableRow(tn, status, choices.get(tn) if working else None, tn == btn))
    return rows


def working_tns(csr_tns: list[dict]) -> list[str]:
    """The account's working TNs in the CSR's order: the only ones the table can port."""
    return [str(t.get("tn")) for t in csr_tns if t.get("status") == "working"]


def current_choices(csr_tns: list[dict], tns: Iterable[str], remarks: str | None) -> dict:
    """The table's choices as the LSR fields stand (TNs port, DISC TNs disconnect)."""
    return default_choices(working_tns(csr_tns), tns, parse_disc(remarks)[0])
