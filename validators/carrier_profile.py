"""The carrier profile (business-rules §1.2): the configurable side of the published policy."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from typing import Any

DEFAULT_PROFILE: dict[str, Any] = {
    "carrier_name": "Cascade Telecom",
    "spids": ["CT01", "CT02"],
    "states": {
        "AZ": "America/Phoenix", "CA": "America/Los_Angeles", "CO": "America/Denver",
        "ID": "America/Boise", "MN": "America/Chicago", "MT": "America/Denver",
        "ND": "America/Chicago", "NV": "America/Los_Angeles", "OR": "America/Los_Angeles",
        "UT": "America/Denver", "WA": "America/Los_Angeles",
    },
    "manual_states": ["MT"],
    "business_start": "08:00",
    "business_end": "17:00",
    "holidays": [
        "new_years_day", "memorial_day", "independence_day", "labor_day",
        "thanksgiving_day", "day_after_thanksgiving", "christmas_day",
    ],
    "cutoff_simple": "13:00",
    "cutoff_non_simple": "15:00",
    "cutoff_csr": "15:00",
    "max_tns": 500,
    "ddd_max_days": 30,
    "passcode_lock_failures": 5,
    "passcode_lock_hours": 24,
    "max_due_date_sups": 3,
    "sup2_notice_business_days": 2,
    "porting_window_business_days": 4,
    "simple_foc_business_hours": 4,
    "escalation_ack_business_hours": 4,
    "onboarding_business_days": 3,
    "enduser_phone": "503-555-0199",
    # §11.3 risk review thresholds (0 switches a rule off)
    "risk": {"cross_partner_days": 7, "new_partner_days": 0, "new_partner_min_tns": 10},
    "mfa_roles": ["staff", "staff_admin", "partner_admin"],  # two-step sign-in (§1.3.1)
}


def _time(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


@dataclass(frozen=True)
class CarrierProfile:
    """Immutable carrier profile; build it with `from_dict` (JSON file or DEFAULT_PROFILE)."""

    carrier_name: str
    spids: frozenset[str]
    states: Mapping[str, str]  # state -> IANA time zone
    manual_states: frozenset[str]
    business_start: time
    business_end: time
    holidays: tuple[str, ...]
    cutoff_simple: time
    cutoff_non_simple: time
    cutoff_csr: time
    max_tns: int = 500
    ddd_max_days: int = 30
    passcode_lock_failures: int = 5
    passcode_lock_hours: int = 24
    max_due_date_sups: int = 3
    sup2_notice_business_days: int = 2
    porting_window_business_days: int = 4
    simple_foc_business_hours: int = 4
    escalation_ack_business_hours: int = 4
    onboarding_business_days: int = 3
    enduser_phone: str = "503-555-0199"  # the port-out desk phone told to end users (§1.2)
    risk: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PROFILE["risk"]))
    # roles that sign in with a second factor (§1.3.1); may be extended to every role
    mfa_roles: frozenset[str] = frozenset({"staff", "staff_admin", "partner_admin"})
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None = None) -> CarrierProfile:
        """Build a profile from a mapping, with DEFAULT_PROFILE filling every missing key."""
        merged = {**DEFAULT_PROFILE, **(data or {})}
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: v for k, v in merged.items() if k in known}
        values["extra"] = {k: v for k, v in merged.items() if k not in known}
        values["spids"] = frozenset(str(s).upper() for s in merged["spids"])
        values["states"] = {str(k).upper(): str(v) for k, v in merged["states"].items()}
        values["manual_states"] = frozenset(str(s).upper() for s in merged["manual_states"])
        values["holidays"] = tuple(merged["holidays"])
        values["risk"] = {**DEFAULT_PROFILE["risk"],
                          **{str(k): int(v) for k, v in dict(merged["risk"] or {}).items()}}
        values["mfa_roles"] = frozenset(str(r) for r in merged["mfa_roles"])
        for key in ("business_start", "business_end", "cutoff_simple", "cutoff_non_simple",
                    "cutoff_csr"):
            values[key] = _time(merged[key])
        return cls(**values)
