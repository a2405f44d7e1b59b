"""Partial ports (business-rules §4.6) and the simple / non-simple / project split (§4.7)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from validators.catalog import finding, list_tns
from validators.due_dates import interval_for
from validators.facts import AccountFacts
from validators.fields import TN_RE
from validators.findings import Finding

_PARTIAL_WORDS = re.compile(r"\bPARTIAL\s+PORT\b", re.IGNORECASE)
_DISC_RUN = re.compile(r"\bDISC\b[\s:]*([\d(][\d()\-.\s,;]*)", re.IGNORECASE)
_DISC_ENTRIES = re.compile(r"[,;]")
_DIGIT_GROUP = re.compile(r"\d+")


@dataclass(frozen=True)
class PartialPlan:
    """What a port does to the account: partial or not, TNs to disconnect, the new BTN."""

    partial: bool
    disconnect_tns: tuple[str, ...] = ()
    new_btn: str | None = None
    findings: list[Finding] = field(default_factory=list)


def is_identified_partial(mi: str | None, remarks: str | None) -> bool:
    """Tell whether the LSR marks itself partial: MI = A or PARTIAL PORT in REMARKS."""
    return (mi or "").upper() == "A" or bool(remarks and _PARTIAL_WORDS.search(remarks))


def parse_disc(remarks: str | None) -> tuple[list[str], list[str]]:
    """Return (TNs, unreadable entries) listed after each word DISC in REMARKS.

    Entries are separated by commas or semicolons; inside one, digit groups split by spaces,
    dashes, dots or parentheses join up to 10 digits, so "(503) 555-0102", "503 555 0102" and
    "5035550102 5035550103" all read as TNs.
    """
    tns: list[str] = []
    bad: list[str] = []

    def emit(digits: str) -> None:
        (tns if TN_RE.match(digits) else bad).append(digits)

    for run in _DISC_RUN.finditer(remarks or ""):
        for entry in _DISC_ENTRIES.split(run.group(1)):
            pending = ""
            for group in _DIGIT_GROUP.findall(entry):
                if pending and len(pending) + len(group) > 10:
                    bad.append(pending)
                    pending = ""
                pending += group
                if len(pending) >= 10:
                    emit(pending)
                    pending = ""
            if pending:
                bad.append(pending)
    return list(dict.fromkeys(tns)), bad


def check_partial(account: AccountFacts, tns: Sequence[str], *, mi: str | None,
                  remarks: str | None, nan: str | None) -> PartialPlan:
    """Apply R401, R402 and R403 for TNs ported from one account."""
    working = set(account.working_tns)
    porting = set(tns)
    disc, unreadable = parse_disc(remarks)
    partial = bool(working - porting)
    found: list[Finding] = []
    if partial and not is_identified_partial(mi, remarks):
        found.append(finding("R401", f"{len(working - porting)} working TNs of the account "
                                     "stay with the carrier"))
    wrong_disc = [tn for tn in disc if tn not in working or tn in porting] + unreadable
    if wrong_disc:
        found.append(finding("R403", list_tns(wrong_disc)))
    new_btn = None
    staying = working - porting - set(disc)
    # The BTN leaves in a partial port: NAN names the new BTN among the TNs that stay. When the
    # DISC list takes every other TN, none stays and the account closes: no new BTN is needed.
    if partial and account.btn in porting and staying:
        if nan in staying:
            new_btn = nan
        else:
            detail = f"NAN {nan} is not a working TN that stays" if nan else "NAN is missing"
            found.append(finding("R402", f"the BTN {account.btn} is ported; {detail}"))
    return PartialPlan(partial, tuple(tn for tn in disc if tn in working and tn not in porting),
                       new_btn, found)


def simple_port_eligible(*, working_tns: int, service_class: str, une: bool,
                         resold: bool) -> bool:
    """Tell whether an account qualifies for a simple port (one working POTS line, §4.7)."""
    return working_tns == 1 and service_class == "pots" and not une and not resold


def is_simple(reqtyp: str | None, account: AccountFacts, tns: Iterable[str]) -> bool:
    """Apply §4.7: REQTYP CB, the account's single working TN ported, POTS, no UNE, not resold."""
    working = account.working_tns
    return (reqtyp == "CB" and list(tns) == list(working)
            and simple_port_eligible(working_tns=len(working), service_class=account.service_class,
                                     une=account.une, resold=bool(account.resale_spid)))


def classify(reqtyp: str | None, account: AccountFacts, tns: Sequence[str], *,
             n_tns: int | None = None, coordinated: bool = False) -> str:
    """Return the port type: simple, non_simple, or project above the automatic TN range.

    `tns` are the account's TNs being ported; `n_tns` (default their number) is the LSR's TN
    count that places the order in the interval guide (§5.2). A coordinated cut (CHC = Y,
    §13.2) makes the port non-simple (§4.7).
    """
    simple = is_simple(reqtyp, account, tns) and not coordinated
    base = "simple" if simple else "non_simple"
    port_type, _, _ = interval_for(reqtyp or "CB", base, len(tns) if n_tns is None else n_tns)
    return port_type
