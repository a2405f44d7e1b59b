"""Risk review (business-rules §11.3) as a pure rule: facts in, rule and decision out."""
from datetime import UTC, date, datetime, timedelta

from validators.carrier_profile import CarrierProfile
from validators.facts import LsrDecision, Receipt
from validators.findings import Finding
from validators.risk import RiskFacts, risk_rule, with_risk_review

AT = datetime(2026, 11, 23, 18, tzinfo=UTC)
DEFAULT = CarrierProfile.from_dict(None)
NEW_PARTNER_ON = CarrierProfile.from_dict({"risk": {"new_partner_days": 30}})


def _decision(**changes):
    base = dict(findings=[], port_type="simple", account_number="884201",
                receipt=Receipt(AT, date(2026, 11, 23), AT), due_date=date(2026, 11, 24),
                earliest_due_date=date(2026, 11, 24), review_reason=None, foc_due_at=AT,
                tns=("5415550142",))
    return LsrDecision(**{**base, **changes})


def test_default_profile_reviews_cross_partner_orders_and_leaves_new_partners_alone():
    assert DEFAULT.risk == {"cross_partner_days": 7, "new_partner_days": 0,
                            "new_partner_min_tns": 10}
    assert risk_rule(RiskFacts(other_orders=(3,)), DEFAULT) == "cross_partner"
    young = RiskFacts(partner_approved_at=AT - timedelta(days=1), received_at=AT, n_tns=50)
    assert risk_rule(young, DEFAULT) is None


def test_new_partner_rule_needs_a_young_partner_and_more_than_the_tn_threshold():
    young = dict(partner_approved_at=AT - timedelta(days=29), received_at=AT)
    assert risk_rule(RiskFacts(n_tns=11, **young), NEW_PARTNER_ON) == "new_partner"
    assert risk_rule(RiskFacts(n_tns=10, **young), NEW_PARTNER_ON) is None
    old = RiskFacts(partner_approved_at=AT - timedelta(days=31), received_at=AT, n_tns=99)
    assert risk_rule(old, NEW_PARTNER_ON) is None


def test_cross_partner_rule_is_off_at_zero_days():
    off = CarrierProfile.from_dict({"risk": {"cross_partner_days": 0}})
    assert risk_rule(RiskFacts(other_orders=(1,)), off) is None


def test_a_fired_rule_turns_an_automatic_foc_into_a_fraud_review_due_next_business_day():
    decided = with_risk_review(_decision(), "cross_partner", "OR", DEFAULT)
    assert (decided.review_reason, decided.review_rule) == ("fraud_review", "cross_partner")
    assert decided.foc_due_at == datetime(2026, 11, 25, 1, tzinfo=UTC)  # Tue 17:00 Pacific
    assert decided.due_date == date(2026, 11, 24)  # the date the desk is offered


def test_rejects_and_other_review_reasons_come_before_fraud_review():
    rejected = _decision(findings=[Finding("R301", "an", "AN")])
    assert with_risk_review(rejected, "cross_partner", "OR", DEFAULT) is rejected
    expedite = _decision(review_reason="expedite")
    assert with_risk_review(expedite, "cross_partner", "OR", DEFAULT) is expedite
    assert with_risk_review(_decision(), None, "OR", DEFAULT).review_reason is None
