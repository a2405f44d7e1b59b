"""Risk review before an automatic FOC (business-rules §11.3): pure, facts in, rule out."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from validators.carrier_profile import CarrierProfile
from validators.due_dates import foc_due_at
from validators.facts import LsrDecision

FRAUD_REVIEW = "fraud_review"
CROSS_PARTNER, NEW_PARTNER = "cross_partner", "new_partner"


@dataclass(frozen=True)
class RiskFacts:
    """What the service found about the LSR's account and partner, as of its received time."""

    # ids of LSRs under another CCNA on the same account that got an FOC or were disputed in
    # the profile's `cross_partner_days` before the received time (whatever their status now)
    other_orders: tuple[int, ...] = ()
    partner_approved_at: datetime | None = None  # the submitting partner's approval
    received_at: datetime | None = None
    n_tns: int = 0


def risk_rule(facts: RiskFacts, profile: CarrierProfile) -> str | None:
    """Return the §11.3 rule the facts meet (`cross_partner` first), or None."""
    if profile.risk.get("cross_partner_days", 0) > 0 and facts.other_orders:
        return CROSS_PARTNER
    days = profile.risk.get("new_partner_days", 0)
    if days > 0 and facts.partner_approved_at is not None and facts.received_at is not None:
        young = (facts.received_at - facts.partner_approved_at).total_seconds() < days * 86400
        if young and facts.n_tns > profile.risk.get("new_partner_min_tns", 10):
            return NEW_PARTNER
    return None


def with_risk_review(decision: LsrDecision, rule: str | None, state: str,
                     profile: CarrierProfile) -> LsrDecision:
    """An LSR that would get an automatic FOC goes to staff instead when a rule fired: reason
    `fraud_review`, FOC due 17:00 local on the business day after the receipt day (§11.3).
    Anything else (rejects, another review reason: they come first, §7.2) is left as it is."""
    if rule is None or decision.findings or decision.review_reason or decision.receipt is None:
        return decision
    due_at = foc_due_at("non_simple", decision.receipt, state, profile)
    return replace(decision, review_reason=FRAUD_REVIEW, review_rule=rule, foc_due_at=due_at)
