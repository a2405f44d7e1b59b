"""Load every fact the rules engine needs for a set of TNs, in a constant number of queries."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Account, EscalationContact, Lsr, LsrTn, Partner, Tn
from gateway.services.partners.directory import delegations_for
from npac.interface import Registry
from validators.carrier_profile import CarrierProfile
from validators.facts import AccountFacts, OrderFacts, PartnerFacts, Provider

_TN = re.compile(r"^\d{10}$")


def clean_tns(values: Iterable[Any]) -> list[str]:
    """Return the distinct well-formed 10-digit strings among the values, in order."""
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and _TN.match(v)))


def partner_facts(session: Session, partner: Partner) -> PartnerFacts:
    """The submitting partner with the approvals other carriers gave it (one query)."""
    delegations = delegations_for(session, partner.id) if partner.type == "agent" else {}
    return PartnerFacts(ccna=partner.ccna, type=partner.type, spids=partner.spids,
                        delegations=delegations)


def order_facts(session: Session, registry: Registry, tns: Iterable[Any], *,
                profile: CarrierProfile,
                now: datetime, spids: Iterable[Any] = (), exclude_lsr_id: int | None = None,
                nnsp: str | None = None, keep: dict[str, Any] | None = None,
                lock: bool = False, passcode_pepper: bytes = b"") -> OrderFacts:
    """Gather NPAC answers, accounts, open orders and pending SVs for the TNs (no per-TN query).

    An open SV of the requester's own NNSP is its port in progress (concurred once the FOC
    issues, §9.2), not "a pending port" of someone else (§2.4). `keep`, when given, receives
    the rows loaded on the way (accounts, open SVs) so the writing step needs no second look.
    """
    wanted = clean_tns(tns)
    if not wanted:
        return OrderFacts(providers={}, tn_accounts={}, accounts={},
                          known_spids=_spid_names(registry, spids))
    providers = registry.current_providers(wanted)
    statuses = _account_tns(session, wanted, lock=lock)
    asked = set(wanted)
    tn_accounts = {tn: number for number, tns_of in statuses.items() for tn in tns_of
                   if tn in asked}
    accounts = _accounts(session, statuses, now=now, keep=keep, pepper=passcode_pepper)
    # Driven from lsr_tns by TN (a correlated PON look-up, not a join): with a join SQLite may
    # scan every order and probe its TNs (100 ms for 500 TNs against 10,000 orders).
    pon = sa.select(Lsr.pon).where(Lsr.id == LsrTn.lsr_id).scalar_subquery()
    open_q = sa.select(LsrTn.tn, pon).where(LsrTn.tn.in_(wanted))
    if exclude_lsr_id is not None:
        open_q = open_q.where(LsrTn.lsr_id != exclude_lsr_id)
    open_orders = {tn: pon or "(no PON)" for tn, pon in session.execute(open_q).all()}
    open_svs = registry.subscriptions_for_tns(wanted, statuses=["pending", "conflict"])
    pending = frozenset(sv.tn for sv in open_svs if nnsp is None or sv.new_spid != nnsp)
    if keep is not None:
        keep["open_svs"] = (frozenset(wanted), open_svs)
    resale = {a.resale_spid for a in accounts.values() if a.resale_spid}
    names = _spid_names(registry, set(spids) | resale)
    accounts = {k: _with_resale_name(a, names) for k, a in accounts.items()}
    manual = {a.state for a in accounts.values() if a.state in profile.manual_states}
    return OrderFacts(providers={tn: _provider(p) for tn, p in providers.items()},
                      tn_accounts=tn_accounts, accounts=accounts, open_orders=open_orders,
                      pending_svs=pending, known_spids=names,
                      escalation_contacts=_level_one(session, manual))


def _provider(p: Any) -> Provider:
    return Provider(spid=p.spid, spid_name=p.spid_name, lrn=p.lrn, source=p.source)


def _spid_names(registry: Registry, spids: Iterable[Any]) -> dict[str, str]:
    wanted = [s for s in {str(s).upper() for s in spids if isinstance(s, str) and s} if s]
    return registry.spid_names(wanted) if wanted else {}


def _account_tns(session: Session, wanted: list[str], *,
                 lock: bool = False) -> dict[str, dict[str, str]]:
    """Every TN (with its status) of each account that holds one of the wanted TNs: one query.

    `lock` (PostgreSQL): lock those TN rows, in TN order, so that decisions on one account's
    TNs run one after the other (§2.4: the second sees the first's open order; the order
    keeps two LSRs with overlapping TNs from deadlocking). SQLite has a single writer.
    """
    holders = sa.select(Tn.account_number).where(Tn.tn.in_(wanted))
    query = sa.select(Tn.tn, Tn.account_number, Tn.status).where(Tn.account_number.in_(holders))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.order_by(Tn.tn).with_for_update()
    statuses: dict[str, dict[str, str]] = {}
    for tn, number, status in session.execute(query).all():
        statuses.setdefault(number, {})[tn] = status
    return statuses


def _accounts(session: Session, statuses: dict[str, dict[str, str]], *, now: datetime,
              keep: dict[str, Any] | None = None,
              pepper: bytes = b"") -> dict[str, AccountFacts]:
    if not statuses:
        return {}
    rows = session.scalars(sa.select(Account).where(Account.account_number.in_(statuses))).all()
    if keep is not None:
        keep["accounts"] = {a.account_number: a for a in rows}
    return {a.account_number: account_facts(a, statuses[a.account_number], now=now,
                                            pepper=pepper) for a in rows}


def account_facts(a: Account, tn_status: dict[str, str], *, now: datetime,
                  pepper: bytes = b"") -> AccountFacts:
    return AccountFacts(
        account_number=a.account_number, btn=a.btn, customer_name=a.customer_name,
        address=a.address(), service_class=a.service_class, une=a.une,
        resale_spid=a.resale_spid, resale_spid_name=None, passcode_hash=a.passcode_hash,
        port_freeze=a.port_freeze, locked=a.locked_until is not None and a.locked_until > now,
        tn_status=tn_status, passcode_pepper=pepper)


def _with_resale_name(a: AccountFacts, names: dict[str, str]) -> AccountFacts:
    if not a.resale_spid:
        return a
    from dataclasses import replace

    return replace(a, resale_spid_name=names.get(a.resale_spid))


def _level_one(session: Session, states: set[str]) -> dict[str, str]:
    if not states:
        return {}
    rows = session.scalars(sa.select(EscalationContact).where(
        EscalationContact.state.in_(states), EscalationContact.level == 1)).all()
    return {c.state: f"{c.name} ({c.title}), {c.email}, {c.phone}, {c.hours}" for c in rows}
