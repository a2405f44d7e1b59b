"""Portgate's pure rules engine: facts and requests in, findings and decisions out (no I/O)."""
from __future__ import annotations

from validators.carrier_profile import DEFAULT_PROFILE, CarrierProfile
from validators.csr import check_csr
from validators.due_dates import check_staff_due_date
from validators.facts import (
    AccountFacts,
    CsrDecision,
    LsrDecision,
    OrderFacts,
    OrderState,
    PartnerFacts,
    Provider,
    Receipt,
    SupplementDecision,
)
from validators.fields import check_lsr_fields
from validators.findings import Finding
from validators.lsr import check_lsr
from validators.supplement import check_supplement

__all__ = [
    "AccountFacts", "CarrierProfile", "CsrDecision", "DEFAULT_PROFILE", "Finding", "LsrDecision",
    "OrderFacts", "OrderState", "PartnerFacts", "Provider", "Receipt", "SupplementDecision",
    "check_csr", "check_lsr", "check_lsr_fields", "check_staff_due_date", "check_supplement",
]
