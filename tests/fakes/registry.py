"""An in-memory NPAC registry with the behaviour of `npac.interface.Registry` (§2, §9), for
fast service tests that need no NPAC tables."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime

from npac.errors import NpacError
from npac.interface import LSR_NOT_RECEIVED, Provider, SubscriptionView

OPEN = ("pending", "conflict")


class FakeRegistry:
    """NPAC in dictionaries: codes (NPA-NXX), blocks (NPA-NXX-X), SVs and SPID names."""

    def __init__(self, *, codes: dict[str, str] | None = None,
                 blocks: dict[str, str] | None = None,
                 spids: dict[str, str] | None = None) -> None:
        self.codes = dict(codes or {})
        self.blocks = dict(blocks or {})
        self.names = dict(spids or {})
        self.svs: dict[int, SubscriptionView] = {}
        self.calls: list[str] = []  # one entry per call: the batch shape is part of the contract

    def _provider(self, tn: str, spid: str, source: str) -> Provider:
        return Provider(tn=tn, spid=spid, spid_name=self.names.get(spid, ""), lrn=None,
                        source=source)

    def current_providers(self, tns: Sequence[str]) -> dict[str, Provider]:
        self.calls.append("current_providers")
        active = {sv.tn: sv.new_spid for sv in self.svs.values() if sv.status == "active"}
        found: dict[str, Provider] = {}
        for tn in tns:
            if tn in active:
                found[tn] = self._provider(tn, active[tn], "sv")
            elif tn[:7] in self.blocks:
                found[tn] = self._provider(tn, self.blocks[tn[:7]], "block")
            elif tn[:6] in self.codes:
                found[tn] = self._provider(tn, self.codes[tn[:6]], "code")
        return found

    def spid_names(self, spids: Iterable[str]) -> dict[str, str]:
        return {s: self.names[s] for s in spids if s in self.names}

    def pending_tns(self, tns: Sequence[str]) -> set[str]:
        wanted = set(tns)
        return {sv.tn for sv in self.svs.values() if sv.tn in wanted and sv.status in OPEN}

    def create_subscription(self, tn: str, new_spid: str, lrn: str, due_date: date, *,
                            now: datetime, concur: bool) -> SubscriptionView:
        old = self.current_providers([tn]).get(tn)
        sv = SubscriptionView(
            id=len(self.svs) + 1, tn=tn, old_spid=old.spid if old else None, new_spid=new_spid,
            lrn=lrn, due_date=due_date, status="pending" if concur else "conflict",
            concurred=concur, conflict_cause=None if concur else LSR_NOT_RECEIVED,
            created_at=now, activated_at=None, canceled_at=None, updated_at=now)
        self.svs[sv.id] = sv
        return sv

    def get_subscription(self, sv_id: int) -> SubscriptionView | None:
        return self.svs.get(sv_id)

    def subscriptions_for_tns(self, tns: Sequence[str],
                              statuses: Iterable[str] | None = None) -> list[SubscriptionView]:
        self.calls.append("subscriptions_for_tns")
        wanted, allowed = set(tns), set(statuses) if statuses is not None else None
        return sorted((sv for sv in self.svs.values() if sv.tn in wanted
                       and (allowed is None or sv.status in allowed)),
                      key=lambda sv: (sv.tn, sv.id))

    def _change(self, sv_id: int, allowed: Sequence[str], **values: object) -> SubscriptionView:
        sv = self.svs.get(sv_id)
        if sv is None or sv.status not in allowed:
            raise NpacError(f"subscription {sv_id} cannot be changed")
        self.svs[sv_id] = replace(sv, **values)  # type: ignore[arg-type]
        return self.svs[sv_id]

    def concur(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        return self._change(sv_id, OPEN, status="pending", concurred=True, conflict_cause=None,
                            updated_at=now)

    def put_in_conflict(self, sv_id: int, cause: int, *, now: datetime) -> SubscriptionView:
        return self._change(sv_id, ("pending",), status="conflict", conflict_cause=cause,
                            updated_at=now)

    def activate(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        sv = self.svs.get(sv_id)
        if sv is None or sv.status != "pending" or not sv.concurred:
            raise NpacError(f"subscription {sv_id} is not activatable")
        for other in list(self.svs.values()):
            if other.tn == sv.tn and other.status == "active":
                self.svs[other.id] = replace(other, status="old", updated_at=now)
        return self._change(sv_id, ("pending",), status="active", activated_at=now,
                            updated_at=now)

    def cancel(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        return self._change(sv_id, OPEN, status="canceled", canceled_at=now, updated_at=now)

    def cancel_pending(self, tns: Sequence[str], *, now: datetime,
                       new_spid: str | None = None) -> int:
        open_svs = [sv for sv in self.subscriptions_for_tns(tns, OPEN)
                    if new_spid is None or sv.new_spid == new_spid]
        for sv in open_svs:
            self.cancel(sv.id, now=now)
        return len(open_svs)

    def cancel_stale(self, due_before: date, *, now: datetime) -> int:
        stale = [sv for sv in self.svs.values() if sv.status in OPEN and sv.due_date
                 and sv.due_date < due_before]
        for sv in stale:
            self.cancel(sv.id, now=now)
        return len(stale)
