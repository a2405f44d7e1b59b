"""The whole LSR check (business-rules §2, §4, §5, §8.1): all findings, then the due dates."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from validators.account_match import address_matches, names_match
from validators.authorization import (
    check_agauth,
    check_ccna,
    check_loa,
    check_manual_state,
    check_nnsp,
)
from validators.calendar import local_day, next_business_day, on_or_next_business_day
from validators.carrier_profile import CarrierProfile
from validators.catalog import finding
from validators.coordinated import check_coordinated, is_coordinated
from validators.due_dates import (
    cutoff_for,
    ddd_too_far,
    earliest_due_date,
    foc_date,
    foc_due_at,
    interval_for,
    receipt,
)
from validators.facts import AccountFacts, LsrDecision, OrderFacts, PartnerFacts, Receipt
from validators.fields import (
    REQTYP_ACT,
    check_plain_fields,
    check_reqtyp_act,
    parse_tns,
    text_of,
    value_of,
)
from validators.findings import Finding
from validators.partial_port import PartialPlan, check_partial, classify
from validators.passcode import passcode_matches
from validators.tn import accounts_of, check_one_account, check_tns, main_account

NON_SIMPLE = frozenset({"non_simple", "project"})
OWN_RULE_OF = {"nan": "R402", "mi": "R401"}  # §4.1: a value its own rule covers gets that code only


def _ok(lsr: Mapping[str, Any], key: str, bad: set[str]) -> str | None:
    """Return a field's text when it passed its field checks, else None."""
    return None if key in bad else text_of(lsr, key)


def _account_checks(lsr: Mapping[str, Any], account: AccountFacts, port_type: str | None,
                    bad: set[str]) -> list[Finding]:
    """Apply R301 R302 R305 always and R303 R304 for non-simple ports (§4.5); R307."""
    found: list[Finding] = []
    an, atn, zip_code = _ok(lsr, "an", bad), _ok(lsr, "atn", bad), _ok(lsr, "eu.zip", bad)
    if an is not None and an != account.account_number:
        found.append(finding("R301", f"AN {an}"))
    if atn is not None and atn != account.btn:
        found.append(finding("R302", f"ATN {atn}"))
    if zip_code is not None and zip_code[:5] != account.address.get("zip", "")[:5]:
        found.append(finding("R305", f"ZIP {zip_code}"))
    if port_type in NON_SIMPLE:
        name = _ok(lsr, "eu.name", bad)
        if name is not None and not names_match(name, account.customer_name):
            found.append(finding("R303", f"NAME {name[:60]!r}"))
        eu = lsr.get("eu")
        wrong = [p for p in address_matches(eu, account.address) if f"eu.{p}" not in bad]
        if wrong:
            found.append(finding("R304", "differs in " + ", ".join(p.upper() for p in wrong)))
    if account.port_freeze:
        found.append(finding("R307", "the end user placed a port-out freeze"))
    return found


def _passcode(lsr: Mapping[str, Any], account: AccountFacts,
              verified_account: str | None = None,
              judge: bool = True) -> tuple[list[Finding], bool]:
    """Apply R308 (lock) and R306; the flag is True for a present, wrong passcode.

    `verified_account`: a correction (SUP 3) that sent no passcode on this account: not
    judged here; the caller judges the order's own passcode against the account's current
    one (its kept proof, `supplements._kept_passcode_checked`) and raises R306 when it is not.
    """
    if account.locked:
        return [finding("R308", "the account is locked; the passcode was not checked")], False
    if account.passcode_hash is None or verified_account == account.account_number:
        return [], False
    value = value_of(lsr, "passcode")
    if value is None:
        return [finding("R306", "the account has a passcode and none was given")], False
    if not judge:  # a dry run never judges a given passcode: it cannot be used to guess one
        return [], False
    if not isinstance(value, str) or len(value) > 16:
        return [finding("R306", "the passcode is not 1-16 characters of text")], False
    if passcode_matches(value, account.passcode_hash, account.passcode_pepper):
        return [], False
    return [finding("R306", "the passcode given does not match")], True


def _ddd(lsr: Mapping[str, Any], bad: set[str]) -> date | None:
    text = _ok(lsr, "ddd", bad)
    return date.fromisoformat(text) if text else None


def _drop_covered(found: list[Finding]) -> list[Finding]:
    """Remove R602 on a field whose own rule (R401, R402) was raised on it."""
    raised = {(f.field, f.code) for f in found}
    return [f for f in found if not (f.code == "R602" and (f.field, OWN_RULE_OF.get(f.field))
                                     in raised)]


@dataclass(frozen=True)
class _Schedule:
    """The §5 dates of an LSR with a DDD and a port type, and the findings they raise (R501)."""

    due_date: date
    earliest: date | None  # None for a project, which has no interval
    review: str | None
    foc_due_at: datetime
    findings: list[Finding]


def _schedule(lsr: Mapping[str, Any], account: AccountFacts, port_type: str, n_tns: int,
              rcpt: Receipt, ddd: date, profile: CarrierProfile, issue_day: date) -> _Schedule:
    """Return the §5 dates of an accepted LSR (and R501, which §5.3 raises).

    The FOC date is never before the first business day after the day the FOC is issued
    (§5.3, applied last: the expedite test uses the earliest date before the floor)."""
    day, state = rcpt.receipt_day, account.state
    issue_floor = next_business_day(issue_day, profile)
    reqtyp = text_of(lsr, "reqtyp") or "CB"
    _, days, handling = interval_for(reqtyp, port_type, n_tns)
    due_at = foc_due_at(port_type, rcpt, state, profile)
    if handling == "project" or days is None:
        floor = next_business_day(day, profile)
        return _Schedule(due_date=on_or_next_business_day(max(ddd, floor, issue_floor), profile),
                         earliest=None, review="project", foc_due_at=due_at,
                         findings=ddd_too_far(ddd, day, profile))
    earliest = earliest_due_date(day, days, profile)
    chosen = foc_date(ddd, earliest, day, text_of(lsr, "exp") == "Y", profile)
    # §7.2: the first that applies of project, coordinated, expedite (fraud_review follows)
    review = "coordinated" if is_coordinated(lsr) else chosen.review_reason
    return _Schedule(due_date=max(chosen.due_date, issue_floor), earliest=earliest,
                     review=review,
                     foc_due_at=due_at, findings=chosen.findings)


def _ddd_too_far_untyped(ddd: date | None, received_at: datetime, account: AccountFacts,
                         profile: CarrierProfile) -> list[Finding]:
    """R501 for an LSR whose port type is undecided (no supported REQTYP, §4.7): the 30-day
    rule (§5.3) needs no interval, only the receipt day, which the port type's cut-off moves
    (§5.1). Judged from the latest receipt day any type could give (the earlier cut-off), it
    is raised only where it would be whatever the type; the earliest-date rules need the
    interval and are not judged (the LSR is rejected for its REQTYP anyway)."""
    if ddd is None:
        return []
    cutoff = min(profile.cutoff_simple, profile.cutoff_non_simple)
    return ddd_too_far(ddd, receipt(received_at, account.state, cutoff, profile).receipt_day,
                       profile)


def _decision(found: list[Finding], **known: Any) -> LsrDecision:
    base: dict[str, Any] = dict(port_type=None, account_number=None, receipt=None, due_date=None,
                                earliest_due_date=None, review_reason=None, foc_due_at=None)
    return LsrDecision(findings=found, **{**base, **known})


def _tn_stage(lsr: Mapping[str, Any], facts: OrderFacts, profile: CarrierProfile,
              own_order_tns: frozenset[str]
              ) -> tuple[list[str], list[Finding], dict[str, list[str]]]:
    """Parse the TNs and run §2 on them; return TNs, findings and the accounts holding them."""
    tns, found = parse_tns(lsr.get("tns"), profile.max_tns)
    tn_findings, passed = check_tns(tns, facts, profile, own_order_tns=own_order_tns)
    return tns, found + tn_findings, accounts_of(passed, facts)


def check_lsr(lsr: Any, *, partner: PartnerFacts, facts: OrderFacts, profile: CarrierProfile,
              received_at: datetime, own_order_tns: frozenset[str] = frozenset(),
              manual_entry: bool = False, verified_passcode_account: str | None = None,
              issued_at: datetime | None = None, judge_passcode: bool = True
              ) -> LsrDecision:
    """Check one LSR version against every rule and decide its port type and due dates.

    `issued_at`: when the outcome is given (default the receipt): its local date floors the FOC
    date (§5.3). `judge_passcode` False (a dry run): a given passcode is neither matched nor
    counted; a missing one is still R306 and a lock R308 (§4.5)."""
    if not isinstance(lsr, Mapping):
        return _decision([finding("R602", "the LSR must be a JSON object", "*")])
    tns, found, held = _tn_stage(lsr, facts, profile, own_order_tns)
    account = main_account(held, facts, text_of(lsr, "an"))  # §2: failed TNs go no further
    porting = [tn for tn in tns if account and facts.tn_accounts.get(tn) == account.account_number]
    reqtyp = text_of(lsr, "reqtyp")  # §4.7 needs a supported REQTYP, else the type is undecided
    # A TN that is not working (R203) is not checked further: it does not make a simple port
    # non-simple. The LSR's TN count still places the order in the guide (§5.2).
    working = [tn for tn in porting if account.tn_status.get(tn) == "working"] if account else []
    coordinated = is_coordinated(lsr)  # §13.2: a coordinated cut is never a simple port
    port_type = classify(reqtyp, account, working, n_tns=len(tns), coordinated=coordinated) \
        if account and reqtyp in REQTYP_ACT else None
    found = check_plain_fields(lsr, None if port_type is None else port_type != "simple") \
        + check_reqtyp_act(lsr) + found
    bad = {f.field for f in found if f.code in ("R601", "R602", "R605")}
    found += check_coordinated(lsr, bad, profile)
    found += check_agauth(lsr) + check_loa(lsr, partner)
    found += check_ccna(_ok(lsr, "ccna", bad), partner, "lsr")
    found += check_nnsp(lsr, facts, profile, frozenset(bad)) + check_one_account(held)
    if account is None:
        return _decision(_drop_covered(found), tns=tuple(tns))
    found += check_manual_state(account, facts, profile, manual_entry)
    found += _account_checks(lsr, account, port_type, bad)
    passcode, failed = _passcode(lsr, account, verified_passcode_account, judge_passcode)
    plan: PartialPlan = check_partial(account, porting, mi=_ok(lsr, "mi", bad),
                                      remarks=text_of(lsr, "remarks"), nan=text_of(lsr, "nan"))
    found = _drop_covered(found + passcode + plan.findings)
    rcpt = receipt(received_at, account.state, cutoff_for(port_type, profile), profile)
    known = dict(port_type=port_type, account_number=account.account_number, receipt=rcpt,
                 tns=tuple(tns), disconnect_tns=plan.disconnect_tns, new_btn=plan.new_btn,
                 partial=plan.partial, passcode_failed=failed)
    ddd = _ddd(lsr, bad)
    issue_day = local_day(issued_at or received_at, account.state, profile)
    due = _schedule(lsr, account, port_type, len(tns), rcpt, ddd, profile, issue_day) \
        if ddd is not None and port_type is not None else None
    found += due.findings if due else _ddd_too_far_untyped(ddd, received_at, account, profile)
    if found or due is None:
        return _decision(found, **known)
    return _decision(found, **known, due_date=due.due_date, earliest_due_date=due.earliest,
                     review_reason=due.review, foc_due_at=due.foc_due_at)
