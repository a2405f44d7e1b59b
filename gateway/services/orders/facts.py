"""Load every fact the rules engine needs for a set of TNs, in a constant number of queries."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import repeat
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from gateway.db import Prepared, UTCDateTime, flushed_connection
from gateway.models import Account, EscalationContact, Lsr, LsrTn, Partner, Tn
from gateway.models.accounts import ADDRESS_PARTS
from gateway.services.orders.request import clean_tns
from gateway.services.outbox import notices
from gateway.services.partners.directory import delegations_for
from gateway.services.protection.risk import foc_or_dispute_between
from npac.interface import Registry
from npac.models import Spid, SubscriptionVersion
from npac.simulator import (
    Holder,
    SqlRegistry,
    batch_match,
    batch_params,
    holders,
    in_list,
    open_svs_where,
    providers_query,
    text_array,
)
from validators.carrier_profile import CarrierProfile
from validators.facts import AccountFacts, OrderFacts, PartnerFacts, Provider


def partner_facts(session: Session, partner: Partner) -> PartnerFacts:
    """The submitting partner with the approvals other carriers gave it (one query)."""
    delegations = delegations_for(session, partner.id) if partner.type == "agent" else {}
    return PartnerFacts(ccna=partner.ccna, type=partner.type, spids=partner.spids,
                        delegations=delegations)


@dataclass(frozen=True)
class RiskWindow:
    """§11.3: also load, per account, the orders under another CCNA that got an FOC or were
    disputed between `since` and `until` (validators.risk judges them)."""

    ccna: str
    since: datetime
    until: datetime

    @classmethod
    def of(cls, profile: CarrierProfile, received_at: datetime,
           ccna: Callable[[], str]) -> RiskWindow | None:
        """The window of an order received at `received_at`: the profile's
        `cross_partner_days` before it, under the order's CCNA (`ccna`, asked only when the
        profile has the rule); None when it has not."""
        days = profile.risk.get("cross_partner_days", 0)
        return cls(ccna(), received_at - timedelta(days=days), received_at) if days > 0 \
            else None


@dataclass(frozen=True)
class AccountRow:
    """What the writing step needs of an account the decision loaded (no ORM object)."""

    account_number: str
    state: str
    contact_email: str | None
    passcode_hash: str | None


@dataclass(frozen=True)
class OpenSv:
    """A pending or conflict SV as the decision loaded it (transitions concur from these)."""

    id: int
    tn: str
    new_spid: str
    status: str
    conflict_cause: int | None


def order_facts(session: Session, registry: Registry, tns: Iterable[Any], *,
                profile: CarrierProfile,
                now: datetime, spids: Iterable[Any] = (), exclude_lsr_id: int | None = None,
                nnsp: str | None = None, keep: dict[str, Any] | None = None,
                lock: bool = False, passcode_pepper: bytes = b"",
                risk: RiskWindow | None = None, addressees: int | None = None,
                locked_accounts: Sequence[str] | None = None) -> OrderFacts:
    """Gather NPAC answers, accounts, open orders and pending SVs for the TNs in one statement
    (`FACTS`: one UNION ALL, whatever the TN count; the NPAC branches join it when the registry
    is the SQL simulator on this session, else the registry answers them).

    An open SV of the requester's own NNSP is its port in progress (concurred once the FOC
    issues, §9.2), not "a pending port" of someone else (§2.4). `keep`, when given, receives
    what was loaded on the way (the statement's rows; accounts, open SVs, the §11.3 orders of
    `risk`) so the writing step needs no second look. `lock` (PostgreSQL): lock the accounts'
    rows first, in their own statement, so that this statement's snapshot sees what the
    previous holder committed. `addressees`: a partner whose active users and contacts the
    same statement loads, `keep["addressees"]` for the outcome's notice (`notices.Outbox`).
    `locked_accounts` (PostgreSQL): the accounts holding exactly these TNs that this
    transaction has locked already (the order's INSERT, `transitions.create_order`).

    Where the accounts' rows are locked (PostgreSQL), the statement reads the accounts the lock
    found rather than looking up the TNs' holders a second time: 500 index probes fewer for a
    500-TN LSR. The lock's snapshot is earlier than the statement's; the two differ only if a
    TN moved to another account in between (an account import), and then the TN reads as held
    by none of the locked accounts (an unknown TN) rather than as held by an unlocked one.
    """
    wanted = clean_tns(tns)
    if not wanted:
        return OrderFacts(providers={}, tn_accounts={}, accounts={},
                          known_spids=_spid_names(registry, spids))
    held_by = locked_accounts  # the accounts the transaction has locked, when it has
    if lock and session.get_bind().dialect.name == "postgresql":
        held_by = lock_accounts(session, wanted)
    folded = folds_registry(session, registry)
    asked_spids = _spid_list(spids)
    rows = _rows(session, wanted, folded=folded, now=now, spids=asked_spids,
                 exclude_lsr_id=exclude_lsr_id, risk=risk, addressees=addressees,
                 accounts=held_by)
    found = _Found()
    for row in rows:
        found.add(row)
    if not folded:
        found.provider_rows = None
        found.svs = [OpenSv(sv.id, sv.tn, sv.new_spid, sv.status, sv.conflict_cause)
                     for sv in registry.subscriptions_for_tns(wanted,
                                                              statuses=["pending", "conflict"])]
        found.names = _spid_names(registry, {*asked_spids, *found.resale_spids()})
    asked = set(wanted)
    tn_accounts = {tn: number for number, tns_of in found.statuses.items() for tn in tns_of
                   if tn in asked}
    accounts = {number: _account_facts(row, found.statuses.get(number, {}), found.names,
                                       pepper=passcode_pepper)
                for number, row in found.accounts.items()}
    pending = frozenset(sv.tn for sv in found.svs if nnsp is None or sv.new_spid != nnsp)
    if keep is not None:
        keep["rows"] = rows
        keep["accounts"] = {number: AccountRow(number, row.t11 or "", row.t16, row.t15)
                            for number, row in found.accounts.items()}
        keep["open_svs"] = (frozenset(wanted), found.svs)
        keep["risk"] = {number: tuple(sorted(ids)) for number, ids in found.risk.items()}
        if risk is not None:
            keep["risk_window"] = risk
        if addressees is not None:
            keep["addressees"] = {addressees: found.addressees}
    if found.provider_rows is not None:
        providers = _providers(holders(wanted, found.provider_rows))
    else:
        providers = _providers({tn: (p.spid, p.spid_name, p.lrn, p.source)
                                for tn, p in registry.current_providers(wanted).items()})
    manual = {a.state for a in accounts.values() if a.state in profile.manual_states}
    return OrderFacts(providers=providers,
                      tn_accounts=tn_accounts, accounts=accounts, open_orders=found.open_orders,
                      pending_svs=pending, known_spids=found.names,
                      escalation_contacts=_level_one(session, manual))


def folds_registry(session: Session, registry: Registry) -> bool:
    """Whether the facts statement answers the NPAC questions too (the registry is the SQL
    simulator on this session): then its rows are everything the decision reads of the TNs."""
    return isinstance(registry, SqlRegistry) and registry.session is session


def facts_rows(session: Session, registry: Registry, tns: Iterable[Any], *, now: datetime,
               spids: Iterable[Any] = (), exclude_lsr_id: int | None = None,
               risk: RiskWindow | None = None,
               addressees: int | None = None) -> list[Any] | None:
    """The rows `order_facts` would read now with the same arguments (kept by it as
    `keep["rows"]`), to tell whether a decision made on earlier rows still holds; None when
    they would not be all it reads (no TN, or an NPAC registry of its own)."""
    wanted = clean_tns(tns)
    if not wanted or not folds_registry(session, registry):
        return None
    return _rows(session, wanted, folded=True, now=now, spids=_spid_list(spids),
                 exclude_lsr_id=exclude_lsr_id, risk=risk, addressees=addressees)


def _rows(session: Session, wanted: list[str], *, folded: bool, now: datetime,
          spids: list[str], exclude_lsr_id: int | None, risk: RiskWindow | None,
          addressees: int | None, accounts: Sequence[str] | None = None) -> list[Any]:
    """Run the facts statement (one UNION ALL, whatever the TN count); `accounts`
    (PostgreSQL): the TNs' accounts, known already (locked), instead of their look-up."""
    postgres = session.get_bind().dialect.name == "postgresql"
    given = postgres and accounts is not None
    params: dict[str, Any] = {**batch_params(wanted, postgres=postgres), "now": now,
                              "exclude": exclude_lsr_id or 0, "spids": spids}
    if given:
        params["accounts"] = list(accounts or ())
    if risk is not None:
        params.update(ccna=risk.ccna, since=risk.since, until=risk.until)
    if addressees is not None:
        params["addressees"] = addressees
    connection = flushed_connection(session)  # Core, built once: no ORM execution layer
    return _facts_query(postgres, folded, risk is not None, addressees is not None, given) \
        .execute(connection, params)


class _Found:
    """The rows of one facts statement, sorted by kind."""

    def __init__(self) -> None:
        self.provider_rows: list[tuple[str, str, str | None, str, str | None]] | None = []
        self.statuses: dict[str, dict[str, str]] = {}
        self.accounts: dict[str, Any] = {}
        self.open_orders: dict[str, str] = {}
        self.svs: list[OpenSv] = []
        self.names: dict[str, str] = {}
        self.risk: dict[str, list[int]] = {}
        self.addressees: list[tuple[str, str, str]] = []

    def add(self, row: Any) -> None:
        kind = row.kind
        if kind == "tns":
            pairs = row.t1.split(",")  # "tn:status", a TN once (the key of tns)
            by_tn = dict(map(str.split, pairs, repeat(":", len(pairs))))
            self.statuses[row.key] = {tn: by_tn[tn] for tn in sorted(by_tn)}
        elif kind == "account":
            self.accounts[row.key] = row
        elif kind == "open":
            self.open_orders[row.key] = row.t1 or "(no PON)"
        elif kind == "osv":
            self.svs.append(OpenSv(row.n1, row.key, row.t1, row.t2, row.n2))
        elif kind == "spid":
            self.names[row.key] = row.t1
        elif kind == "risk":
            self.risk.setdefault(row.key, []).append(row.n1)
        elif kind == "addressee":
            self.addressees.append((row.key, row.t1 or "", row.t2 or ""))
        elif self.provider_rows is not None:  # sv | block | code
            self.provider_rows.append((row.key, row.t1, row.t2, kind, row.t3))

    def resale_spids(self) -> set[str]:
        return {row.t14 for row in self.accounts.values() if row.t14}


def lock_accounts(session: Session, wanted: list[str]) -> list[str]:
    """PostgreSQL: lock the rows of the accounts holding the TNs, in account order, so that
    decisions on one account's TNs run one after the other (§2.4: the second sees the first's
    open order; the order keeps two LSRs on the same accounts from deadlocking). One row per
    account, not its TNs: a 600-TN PBX account's TN locks cost 3 ms of a 500-TN LSR.
    Returns the accounts locked."""
    return list(session.execute(_lock_query(), {"tns": wanted}).scalars())


@lru_cache(maxsize=1)
def _lock_query() -> sa.Select[Any]:
    """The accounts' rows, in account order, FOR NO KEY UPDATE (rows referencing them may
    still be written: a foreign key's check takes KEY SHARE)."""
    holders = sa.select(Tn.account_number).where(batch_match(Tn.tn, "tns", postgres=True))
    return sa.select(Account.account_number) \
        .where(_any_of(Account.account_number, holders)) \
        .order_by(Account.account_number).with_for_update(key_share=True)


def _any_of(column: Any, accounts: sa.Select[Any]) -> sa.ColumnElement[bool]:
    """`column = ANY((SELECT array_agg(DISTINCT …)))` (PostgreSQL): the accounts become one
    array computed first, so the planner probes the column's index per account instead of
    guessing 200 accounts from a semi-join and hashing a sequential scan of the table
    (measured: a 500-TN LSR's facts read every TN row of a 100,000-TN database)."""
    account = accounts.subquery()
    array = sa.select(sa.func.array_agg(sa.distinct(account.c.account_number)))
    # the CAST makes the subquery one array value (`ANY (SELECT …)` would compare each row)
    values = sa.cast(array.scalar_subquery(), postgresql.ARRAY(sa.String))
    result: sa.ColumnElement[bool] = column == sa.any_(values)
    return result


def lock_cte() -> sa.CTE:
    """`lock_accounts` as a CTE, to ride on another statement (PostgreSQL)."""
    return _lock_query().cte("locked_accounts")


_TEXT_SLOTS = 16
_SLOTS: tuple[tuple[str, Any], ...] = (
    ("kind", sa.String()), ("key", sa.String()),
    *((f"t{i}", sa.String()) for i in range(1, _TEXT_SLOTS + 1)),
    ("b1", sa.Boolean()), ("b2", sa.Boolean()), ("b3", sa.Boolean()),
    ("n1", sa.Integer()), ("n2", sa.Integer()))


def _branch(kind: str | sa.ColumnElement[str], key: Any, **slots: Any) -> sa.Select[Any]:
    """One UNION ALL branch in the common layout (absent slots are typed NULLs)."""
    label = sa.literal_column(f"'{kind}'") if isinstance(kind, str) else kind
    columns = [label.label("kind"), key.label("key")]
    for name, type_ in _SLOTS[2:]:
        value = slots.pop(name, None)
        columns.append((sa.cast(sa.null(), type_) if value is None
                        else sa.type_coerce(value, type_)).label(name))
    assert not slots, slots
    return sa.select(*columns)


@lru_cache(maxsize=32)
def _facts_query(postgres: bool, folded: bool, risk: bool, addressed: bool,
                 given: bool = False) -> Prepared:
    """The facts statement, built and rendered once per dialect and shape (parameters bound
    later; run on the DBAPI cursor, `db.Prepared`). `given` (PostgreSQL): the accounts are a
    parameter (`accounts`, those the transaction locked), not looked up from the TNs."""
    holders = sa.select(Tn.account_number).where(
        batch_match(Tn.tn, "tns", postgres=postgres)).cte("holders")
    held = sa.select(holders.c.account_number)

    def in_held(column: Any) -> sa.ColumnElement[bool]:
        if given:
            result: sa.ColumnElement[bool] = column == sa.any_(text_array("accounts"))
            return result
        return _any_of(column, held) if postgres else column.in_(held)

    now = sa.bindparam("now", type_=UTCDateTime)
    pon = sa.select(Lsr.pon).where(Lsr.id == LsrTn.lsr_id).scalar_subquery()
    address = {f"t{i}": getattr(Account, part) for i, part in enumerate(ADDRESS_PARTS, 3)}
    branches = [
        # an account's TNs as one row ("tn:status,..."): a PBX account's 600 TNs would be 600
        # rows of 23 columns through the result layer (measured: 4 ms of a 500-TN LSR's facts)
        _branch("tns", Tn.account_number, t1=_pairs(Tn.tn + ":" + Tn.status, postgres))
        .where(in_held(Tn.account_number)).group_by(Tn.account_number),
        _branch("account", Account.account_number, t1=Account.btn, t2=Account.customer_name,
                **address, t13=Account.service_class, t14=Account.resale_spid,
                t15=Account.passcode_hash, t16=Account.contact_email, b1=Account.une,
                b2=Account.port_freeze,
                b3=sa.and_(Account.locked_until.is_not(None), Account.locked_until > now))
        .where(in_held(Account.account_number)),
        # Driven from lsr_tns by TN (a correlated PON look-up, not a join): with a join SQLite
        # may scan every order and probe its TNs (100 ms for 500 TNs against 10,000 orders).
        _branch("open", LsrTn.tn, t1=pon).where(
            batch_match(LsrTn.tn, "tns", postgres=postgres, semi_join=True),
            LsrTn.lsr_id != sa.bindparam("exclude", type_=sa.Integer)),
    ]
    if risk:
        branches.append(_branch("risk", Lsr.account_number, n1=Lsr.id).where(
            in_held(Lsr.account_number), Lsr.ccna != sa.bindparam("ccna", type_=sa.String),
            Lsr.id != sa.bindparam("exclude", type_=sa.Integer),
            foc_or_dispute_between(sa.bindparam("since", type_=UTCDateTime),
                                   sa.bindparam("until", type_=UTCDateTime))))
    if addressed:
        # the active users and contacts of the partner the outcome's notice goes to, for
        # `notices.Outbox` (which keeps the recipients whose contact types and categories the
        # event asks for): no second look on the way to the outbox
        branches += [_branch("addressee", email, t1=types, t2=notify).where(which)
                     for email, types, notify, which in notices.addressee_sources(
                         sa.bindparam("addressees", type_=sa.Integer))]
    if folded:
        providers = providers_query(postgres).subquery()
        branches += [
            _branch(providers.c.source, providers.c.key, t1=providers.c.spid,
                    t2=providers.c.lrn, t3=providers.c.name),
            _branch("osv", SubscriptionVersion.tn, t1=SubscriptionVersion.new_spid,
                    t2=SubscriptionVersion.status, n1=SubscriptionVersion.id,
                    n2=SubscriptionVersion.conflict_cause).where(open_svs_where(postgres)),
            _branch("spid", Spid.spid, t1=Spid.name).where(sa.or_(
                in_list(Spid.spid, "spids", postgres=postgres),
                Spid.spid.in_(sa.select(Account.resale_spid).where(
                    in_held(Account.account_number))))),
        ]
    # holders is rendered once at the top by reference (an explicit add_cte would add its column
    # to the result map: 24 columns for 23, and SQLAlchemy then re-matches them by name on
    # every execution instead of caching the result metadata)
    return Prepared(sa.union_all(*branches))


def _pairs(value: Any, postgres: bool) -> Any:
    """The group's values joined by commas (string_agg on PostgreSQL, group_concat on SQLite)."""
    comma: sa.ColumnElement[str] = sa.literal_column("','")
    return sa.func.string_agg(value, comma) if postgres else sa.func.group_concat(value, comma)


def _spid_list(spids: Iterable[Any]) -> list[str]:
    return sorted({s.upper() for s in spids if isinstance(s, str) and s})


def _providers(held: dict[str, Holder]) -> dict[str, Provider]:
    """The engine's providers of the TNs: one (immutable) Provider per holder, shared by the TNs
    of one block or code (a 500-TN LSR has a handful, not 500)."""
    made: dict[Holder, Provider] = {}
    out: dict[str, Provider] = {}
    for tn, holder in held.items():
        provider = made.get(holder)
        if provider is None:
            spid, name, lrn, source = holder
            provider = made[holder] = Provider(spid=spid, spid_name=name, lrn=lrn, source=source)
        out[tn] = provider
    return out


def _spid_names(registry: Registry, spids: Iterable[Any]) -> dict[str, str]:
    wanted = _spid_list(spids)
    return registry.spid_names(wanted) if wanted else {}


def _account_facts(row: Any, tn_status: dict[str, str], names: dict[str, str], *,
                   pepper: bytes) -> AccountFacts:
    address = {part: getattr(row, f"t{i}") or "" for i, part in enumerate(ADDRESS_PARTS, 3)}
    return AccountFacts(
        account_number=row.key, btn=row.t1, customer_name=row.t2, address=address,
        service_class=row.t13, une=bool(row.b1), resale_spid=row.t14,
        resale_spid_name=names.get(row.t14) if row.t14 else None, passcode_hash=row.t15,
        port_freeze=bool(row.b2), locked=bool(row.b3), tn_status=tn_status,
        passcode_pepper=pepper)


def _level_one(session: Session, states: set[str]) -> dict[str, str]:
    if not states:
        return {}
    rows = session.scalars(sa.select(EscalationContact).where(
        EscalationContact.state.in_(states), EscalationContact.level == 1)).all()
    return {c.state: c.summary for c in rows}
