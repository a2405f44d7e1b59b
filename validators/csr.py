"""The CSR request check (business-rules §3): fields, authorization, §2 on the TN, R701."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from validators.authorization import check_agauth, check_ccna, check_loa, check_manual_state
from validators.carrier_profile import CarrierProfile
from validators.catalog import finding
from validators.due_dates import csr_due_at, receipt
from validators.facts import CsrDecision, OrderFacts, PartnerFacts
from validators.fields import TN_RE, check_field, text_of, value_of
from validators.findings import Finding
from validators.tn import check_tns


def _fields(req: Mapping[str, Any]) -> tuple[str | None, list[Finding]]:
    """Check tn (required), an and ccna (optional) and agauth (required); return the TN."""
    found: list[Finding] = []
    tn = value_of(req, "tn")
    if tn is None:
        found.append(finding("R601", "tn", "tn"))
    elif not isinstance(tn, str) or not TN_RE.match(tn.strip()):
        found.append(finding("R602", f"tn {str(tn)[:20]!r} is not a 10-digit NANP TN", "tn"))
        tn = None
    if value_of(req, "agauth") is None:
        found.append(finding("R601", "agauth", "agauth"))
    for key in ("an", "ccna"):
        problem = check_field(key, value_of(req, key))
        if problem:
            found.append(problem)
    return (tn.strip() if tn else None), found


def check_csr(req: Any, *, partner: PartnerFacts, facts: OrderFacts, profile: CarrierProfile,
              received_at: datetime, manual_entry: bool = False) -> CsrDecision:
    """Check a CSR request and, when it may be answered, find its receipt and due time (§3.5)."""
    if not isinstance(req, Mapping):
        return CsrDecision([finding("R602", "the request must be a JSON object", "*")],
                           None, None, None)
    tn, found = _fields(req)
    bad = {f.field for f in found}
    found += check_agauth(req) + check_loa(req, partner)
    found += check_ccna(None if "ccna" in bad else text_of(req, "ccna"), partner, "csr")
    if tn is None:
        return CsrDecision(found, None, None, None)
    tn_findings, passed = check_tns([tn], facts, profile, check_open=False)
    found += tn_findings
    account = facts.accounts.get(facts.tn_accounts.get(tn, ""))
    if account is None or not passed:
        return CsrDecision(found, None, None, None)
    an = None if "an" in bad else text_of(req, "an")
    if an is not None and an != account.account_number:
        found.append(finding("R301", f"AN {an}"))
    found += check_manual_state(account, facts, profile, manual_entry)
    rcpt = receipt(received_at, account.state, profile.cutoff_csr, profile)
    return CsrDecision(found, account.account_number, rcpt, csr_due_at(rcpt, profile))
