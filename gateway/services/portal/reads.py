"""Read models of the partner portal: whom a user may act for, the CSR on file, TN look-ups,
dashboard lists and the orders export. Every query is scoped to what the partner may see."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import CsrRequest, Lsr, Partner, Tn
from gateway.services.orders import facts as facts_svc
from gateway.services.orders import queries
from gateway.services.orders.tiles import Moment, in_set
from gateway.services.partners.directory import delegations_for
from gateway.services.policy import Scope, csr_clause
from gateway.services.serialize import iso
from npac.interface import Registry
from validators.carrier_profile import CarrierProfile
from validators.tn import check_tns

NOT_OURS = frozenset({"R201", "R202", "R204", "R207"})
EXPORT_MAX = 10_000


@dataclass(frozen=True)
class SpidChoice:
    """A SPID an LSR of the partner may name in CC / NNSP (business-rules §4.3)."""

    spid: str
    name: str  # its company name in the NPAC SPID table; "" when NPAC does not know it
    ccna: str  # the partner holding it: the user's own, or a carrier an agent acts for


def spid_choices(session: Session, registry: Registry, partner: Partner,
                 privilege: str = "lsr") -> list[SpidChoice]:
    """The partner's SPIDs, then (for an agent) those of the carriers whose live approval
    includes the privilege (§1.1), each named from NPAC (one look-up)."""
    owners = [partner]
    if partner.is_agent:
        ccnas = [c for c, privs in delegations_for(session, partner.id).items()
                 if privilege in privs]
        if ccnas:
            owners += session.scalars(sa.select(Partner).where(Partner.ccna.in_(ccnas))
                                      .order_by(Partner.ccna))
    pairs = [(owner.ccna, spid) for owner in owners for spid in sorted(owner.spids)]
    names = registry.spid_names([spid for _ccna, spid in pairs])
    return [SpidChoice(spid, names.get(spid, ""), ccna) for ccna, spid in pairs]


def ccnas_for(session: Session, partner: Partner, privilege: str) -> list[str]:
    """The CCNAs the partner may send with: its own, then carriers that approved it (§1.1)."""
    granted = delegations_for(session, partner.id) if partner.is_agent else {}
    return [partner.ccna] + sorted(c for c, privs in granted.items() if privilege in privs)


def _visible_csrs(scope: Scope) -> sa.Select:
    return sa.select(CsrRequest).where(CsrRequest.status == "returned", csr_clause(scope))


def csr_on_file(session: Session, scope: Scope, *, csr_id: int | None = None,
                an: str | None = None, tns: list[str] | None = None) -> CsrRequest | None:
    """The partner's latest returned CSR for the request: by id, else by AN, else by a TN."""
    query = _visible_csrs(scope).order_by(CsrRequest.id.desc()).limit(1)
    if csr_id:
        return session.scalar(query.where(CsrRequest.id == csr_id))
    numbers: set[str] = {an} if an else set()
    wanted = facts_svc.clean_tns(tns or [])[:500]
    if not numbers and wanted:
        numbers = set(session.scalars(sa.select(Tn.account_number).where(Tn.tn.in_(wanted))))
    if not numbers:
        return None
    return session.scalar(query.where(CsrRequest.account_number.in_(numbers)))


def tn_availability(session: Session, registry: Registry, tns: list[str], *,
                    profile: CarrierProfile, now: datetime,
                    exclude_lsr_id: int | None = None) -> dict[str, tuple[str, str]]:
    """Judge each TN by business-rules §2: valid, not_ours (another provider, toll-free, not on
    an account) or not_portable (not working, on another open order); one batch of queries."""
    facts = facts_svc.order_facts(session, registry, tns, profile=profile, now=now,
                                  exclude_lsr_id=exclude_lsr_id)
    result = {}
    for tn in tns:
        findings, _passed = check_tns([tn], facts, profile)
        if not findings:
            result[tn] = ("valid", "")
        else:
            first = findings[0]
            status = "not_ours" if first.code in NOT_OURS else "not_portable"
            result[tn] = (status, f"{first.code}: {first.message}")
    return result


@dataclass
class DashboardLists:
    due_today: list = field(default_factory=list)
    rejects: list = field(default_factory=list)
    awaiting_desk: list = field(default_factory=list)
    windows_closing: list = field(default_factory=list)
    awaiting_partner: list = field(default_factory=list)  # §13.1: the desk asked
    coordinated: list = field(default_factory=list)  # §13.2: FOCs with a cut time to come


def dashboard_lists(session: Session, scope: Scope, moment: Moment, *,
                    limit: int = 8) -> DashboardLists:
    """The orders behind the dashboard's counts: due today, rejects to fix, staff clocks."""
    visible = queries.visible_lsrs(scope)
    now, today = moment.now, moment.today

    def rows(query, order):
        return list(session.scalars(query.order_by(order).limit(limit)))

    return DashboardLists(
        due_today=rows(visible.where(in_set("due_today", moment)), Lsr.id),
        rejects=rows(visible.where(in_set("rejected", moment)), Lsr.updated_at.desc()),
        awaiting_desk=rows(visible.where(Lsr.status == "manual_review"), Lsr.foc_due_at),
        windows_closing=rows(visible.where(
            Lsr.status == "foc", Lsr.window_ends_at.is_not(None),
            Lsr.window_ends_at <= now + timedelta(days=1), Lsr.window_ends_at > now),
            Lsr.window_ends_at),
        awaiting_partner=rows(visible.where(Lsr.awaiting_partner_since.is_not(None)),
                              Lsr.awaiting_partner_since),
        coordinated=rows(visible.where(Lsr.status == "foc", Lsr.due_time.is_not(None),
                                       Lsr.due_date >= today), Lsr.due_date))


EXPORT_COLUMNS = ("order_number", "pon", "ver", "ccna", "status", "port_type", "review_reason",
                  "received_at", "due_date", "foc_due_at", "window_ends_at", "tns",
                  "reject_codes", "updated_at", "due_time", "awaiting_partner")


def export_rows(session: Session, scope: Scope, **filters) -> Iterator[list[str]]:
    """The orders matching the search, as CSV rows (header first), at most EXPORT_MAX."""
    yield list(EXPORT_COLUMNS)
    page, sent = 1, 0
    while sent < EXPORT_MAX:
        result = queries.list_lsrs(session, scope, page=page, per_page=500, **filters)
        for lsr in result.items:
            yield _export_row(lsr)
        sent += len(result.items)
        if not result.items or sent >= result.total:
            return
        page += 1


def _iso(value) -> str:
    return iso(value) or ""


def _export_row(lsr: Lsr) -> list[str]:
    tns = lsr.tns
    return [lsr.order_number, lsr.pon or "", lsr.ver, lsr.ccna, lsr.status, lsr.port_type or "",
            lsr.review_reason or "", _iso(lsr.received_at), _iso(lsr.due_date),
            _iso(lsr.foc_due_at), _iso(lsr.window_ends_at),
            " ".join(tns),
            " ".join(sorted({r.get("code", "") for r in lsr.rejects or []})),
            _iso(lsr.updated_at), lsr.due_time or "", "Y" if lsr.awaiting_partner else ""]
