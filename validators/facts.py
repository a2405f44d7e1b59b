"""Plain facts handed to the validators, and the decisions they hand back (no I/O here)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from validators.findings import Finding


@dataclass(frozen=True)
class Provider:
    """Who NPAC shows as the current provider of one TN (business-rules §2)."""

    spid: str
    spid_name: str
    lrn: str | None
    source: str  # "sv" | "block" | "code"


@dataclass(frozen=True)
class AccountFacts:
    """One subscriber account of the carrier, as its records hold it."""

    account_number: str
    btn: str
    customer_name: str
    address: Mapping[str, str]  # sano sasd sasn sath sass ld1 lv1 city state zip ("" when none)
    service_class: str  # pots centrex isdn pbx did ain rcf
    une: bool
    resale_spid: str | None
    resale_spid_name: str | None
    passcode_hash: str | None  # validators.passcode.hash_passcode() output, None when no passcode
    port_freeze: bool
    locked: bool  # passcode protection lock in force (R308)
    # every TN of the account -> working | disconnected | suspended | ported_out
    tn_status: Mapping[str, str]
    # the server-side key of passcode hashes (validators.passcode.PasscodeKey.pepper)
    passcode_pepper: bytes = field(default=b"", repr=False, compare=False)

    @property
    def state(self) -> str:
        return self.address.get("state", "")

    @cached_property  # frozen: worked out once (a PBX account's is read per check)
    def working_tns(self) -> tuple[str, ...]:
        return tuple(sorted(tn for tn, st in self.tn_status.items() if st == "working"))


@dataclass(frozen=True)
class PartnerFacts:
    """The submitting trading partner and what it may do for others (business-rules §1.1)."""

    ccna: str
    type: str  # ilec clec wireless voip shared_tenant agent
    spids: frozenset[str] = frozenset()
    # CCNA of a carrier that approved this agent -> privileges granted ("csr", "lsr", "view")
    delegations: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderFacts:
    """Everything known about the TNs of one request, loaded in batch by the service."""

    providers: Mapping[str, Provider]  # TN -> NPAC answer; a TN absent here has no known NPA-NXX
    tn_accounts: Mapping[str, str]  # TN -> account_number of the carrier account holding it
    accounts: Mapping[str, AccountFacts]  # account_number -> account (those holding the TNs)
    open_orders: Mapping[str, str] = field(default_factory=dict)  # TN -> PON of another open order
    pending_svs: frozenset[str] = frozenset()  # TNs with a pending subscription version
    known_spids: Mapping[str, str] = field(default_factory=dict)  # SPID -> name (at least NNSP/CC)
    escalation_contacts: Mapping[str, str] = field(default_factory=dict)  # state -> level-1 text


@dataclass(frozen=True)
class Receipt:
    """When a request counts as received (business-rules §5.1)."""

    received_at: datetime  # aware
    receipt_day: date
    effective_received_at: datetime  # aware, in the state's local time


@dataclass(frozen=True)
class LsrDecision:
    """The rules engine's answer for one LSR version."""

    findings: list[Finding]
    port_type: str | None  # simple | non_simple | project; None when it could not be decided
    account_number: str | None
    receipt: Receipt | None
    due_date: date | None  # FOC due date when accepted automatically; the earliest date otherwise
    earliest_due_date: date | None
    review_reason: str | None  # project | coordinated | expedite | None (§7.2 order)
    foc_due_at: datetime | None  # §5.4, aware
    tns: tuple[str, ...] = ()
    disconnect_tns: tuple[str, ...] = ()
    new_btn: str | None = None
    partial: bool = False
    passcode_failed: bool = False  # R306 raised for a wrong (not missing) passcode
    review_rule: str | None = None  # cross_partner | new_partner when review_reason is fraud_review

    @property
    def accepted(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class CsrDecision:
    """The rules engine's answer for one CSR request."""

    findings: list[Finding]
    account_number: str | None
    receipt: Receipt | None
    due_at: datetime | None  # end of the next business day after receipt (§3.5)


@dataclass(frozen=True)
class OrderState:
    """What a supplement is checked against: the order as it stands (business-rules §6)."""

    pon: str
    status: str  # foc rejected manual_review canceled expired completed
    vers_used: frozenset[str]  # every VER received on the PON, accepted or rejected
    port_type: str | None  # simple | non_simple | project
    reqtyp: str  # CB | BB
    n_tns: int
    receipt_day: date | None
    due_date: date | None
    due_date_sups: int = 0  # accepted SUP 2s so far


@dataclass(frozen=True)
class SupplementDecision:
    """The rules engine's answer for one supplement's envelope (and SUP 2's new due date)."""

    findings: list[Finding]
    due_date: date | None
    receipt: Receipt | None

    @property
    def accepted(self) -> bool:
        return not self.findings
