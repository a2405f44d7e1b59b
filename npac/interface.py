"""The narrow, batch-shaped interface the gateway uses to talk to NPAC (business-rules §2, §9)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

SOURCES = ("sv", "block", "code")
# NPAC conflict cause codes the old provider may give (NANC flows); 50 is set automatically when
# an SV arrives with no FOC covering it (§9.2).
LSR_NOT_RECEIVED = 50
CONFLICT_CAUSES = {
    50: "LSR Not Received",
    51: "Firm Order Confirmation Not Issued",
    52: "Due Date Mismatch",
    53: "Vacant Number Port",
    54: "General Conflict",
}


@dataclass(frozen=True)
class Provider:
    """Who NPAC shows as the current provider of one TN, and from which level (§2)."""

    tn: str
    spid: str
    spid_name: str  # "" when the SPID is not in npac_spids
    lrn: str | None
    source: str  # "sv" | "block" | "code"


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription version as the registry reports it (a detached copy, §9.1)."""

    id: int
    tn: str
    old_spid: str | None
    new_spid: str
    lrn: str
    due_date: date | None
    status: str  # pending | conflict | active | old | canceled
    concurred: bool
    conflict_cause: int | None
    created_at: datetime
    activated_at: datetime | None
    canceled_at: datetime | None
    updated_at: datetime


class Registry(Protocol):
    """NPAC as the losing carrier sees it; every lookup takes a batch of TNs."""

    def current_providers(self, tns: Sequence[str]) -> dict[str, Provider]:
        """Map each TN to its provider: active SV, else block, else code; unknown TNs absent."""
        ...

    def spid_names(self, spids: Iterable[str]) -> dict[str, str]:
        """Map each known SPID to its company name; unknown SPIDs absent."""
        ...

    def pending_tns(self, tns: Sequence[str]) -> set[str]:
        """Return the TNs that have a pending or conflict SV."""
        ...

    def create_subscription(self, tn: str, new_spid: str, lrn: str, due_date: date, *,
                            now: datetime, concur: bool) -> SubscriptionView:
        """Create an SV: pending and concurred if an FOC covers it, else conflict cause 50."""
        ...

    def get_subscription(self, sv_id: int) -> SubscriptionView | None:
        """Return the SV with that id, or None."""
        ...

    def subscriptions_for_tns(self, tns: Sequence[str],
                              statuses: Iterable[str] | None = None) -> list[SubscriptionView]:
        """Return the SVs of these TNs (optionally only those in statuses), by TN then id."""
        ...

    def concur(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        """Concur as old provider: a pending or conflict SV becomes pending and concurred."""
        ...

    def put_in_conflict(self, sv_id: int, cause: int, *, now: datetime) -> SubscriptionView:
        """Put a pending SV into conflict with a cause code (§9.4)."""
        ...

    def activate(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        """Activate a pending, concurred SV; the TN's previous active SV becomes old (§9.3)."""
        ...

    def cancel(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        """Cancel a pending or conflict SV."""
        ...

    def cancel_pending(self, tns: Sequence[str], *, now: datetime,
                       new_spid: str | None = None) -> int:
        """Cancel every pending or conflict SV of these TNs (with `new_spid`: only those that
        provider created, an order's own); return how many."""
        ...

    def cancel_stale(self, due_before: date, *, now: datetime) -> int:
        """Cancel every pending or conflict SV due before the day; return how many."""
        ...
