"""SqlRegistry: the NPAC simulator over a SQLAlchemy session (flushes, never commits)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cached_property, lru_cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from npac.errors import InvalidTransition, UnknownSubscription
from npac.interface import LSR_NOT_RECEIVED, Provider, SubscriptionView
from npac.models import (
    OPEN_STATUSES,
    SV_STATUSES,
    NpaNxxCode,
    Spid,
    SubscriptionVersion,
    ThousandsBlock,
)

SV = SubscriptionVersion


def _const(value: str) -> sa.ColumnElement[str]:
    # Rendered inline, so partial indexes match (SQLite) and generic plans keep them (PostgreSQL);
    # in the compiled statement itself (a literal_execute parameter would make SQLAlchemy
    # re-render the statement's text on every execution)
    assert value.isidentifier()
    return sa.literal_column(f"'{value}'", sa.String)


_ACTIVE = SV.status == _const("active")
_NOT_ACTIVE = SV.status != _const("active")
_OPEN = SV.status.in_([_const(s) for s in OPEN_STATUSES])
_SV_COLUMNS = [getattr(SV, name) for name in SubscriptionView.__dataclass_fields__]


def _view(sv: SubscriptionVersion) -> SubscriptionView:
    return SubscriptionView(**{f: getattr(sv, f) for f in SubscriptionView.__dataclass_fields__})


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def batch_match(column: sa.SQLColumnExpression[str], name: str, *,
                postgres: bool, semi_join: bool = False) -> sa.ColumnElement[bool]:
    """A named batch parameter: an array on PostgreSQL, an expanding IN list elsewhere.

    On PostgreSQL the prefixes are cut from the one TN array on the server (a single
    parameter to send, whatever the level): only `tns` is bound there. `semi_join`: the TNs
    as `IN (SELECT unnest(:tns))` rather than `= ANY(:tns)`, for a table whose rows come and
    go with the orders (the open-TN index): `= ANY` is one comparison per row and TN, and a
    plan made while the table looked small (statistics from before a busy hour) scans it;
    for 500 TNs against a few thousand open orders that was 30-50 ms."""
    if not postgres:
        return in_list(column, name, postgres=False)
    tns = text_array("tns")
    if name == "tns" and not semi_join:
        return column == sa.any_(tns)
    cut = sa.func.unnest(tns).table_valued("tn").render_derived()
    value = cut.c.tn if name == "tns" else \
        sa.func.substr(cut.c.tn, 1, 7 if name == "blocks" else 6)
    return column.in_(sa.select(value).scalar_subquery())


class CommaJoined(sa.types.TypeDecorator[list[str]]):
    """A list of strings bound as ONE text, its values joined by commas, that the server
    splits back into an array (`text_array`): psycopg adapts a list parameter value by value
    in Python (~3 µs a value, 1.5 ms for one 500-TN array), a string in C. For TNs (the batch
    parameter, `batch_match`): a value holding a comma is left out, as it cannot equal a stored
    TN, block or code (digits)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        joined = ",".join(value)
        if joined.count(",") != max(len(value) - 1, 0):
            joined = ",".join(v for v in value if "," not in v)
        return joined


def text_array(name: str) -> sa.ColumnElement[list[str]]:
    """PostgreSQL: the list bound as `name` (`CommaJoined`) as a text array; an empty list
    is an empty array."""
    return sa.func.string_to_array(sa.bindparam(name, type_=CommaJoined()),
                                   sa.literal_column("','"), type_=ARRAY(sa.String))


class JsonList(sa.types.TypeDecorator[list[str]]):
    """A list of strings bound as one JSON text (SQLite's `json_each` reads it)."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        # the engine's JSON serializer (the app's: orjson, gateway.platform.json_text)
        return (getattr(dialect, "_json_serializer", None) or json.dumps)(list(value))


def in_list(column: sa.SQLColumnExpression[str], name: str, *,
            postgres: bool) -> sa.ColumnElement[bool]:
    """`column` in the list bound as `name`, as ONE parameter whatever its length, so the
    statement's text never changes: `= ANY(:name)` (an array) on PostgreSQL, `IN (SELECT value
    FROM json_each(:name))` on SQLite. (An expanding IN list makes SQLAlchemy re-render the
    statement on every execution: 0.2 ms of the 1-TN facts statement's 0.27.)"""
    if postgres:
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(sa.String)))
    values = sa.func.json_each(sa.bindparam(name, type_=JsonList())).table_valued("value")
    return column.in_(sa.select(values.c.value))


def batch_params(tns: list[str], *, postgres: bool) -> dict[str, list[str]]:
    """The values of the `tns`, `blocks` and `codes` batch parameters for these TNs."""
    if postgres:
        return {"tns": tns}
    return {"tns": tns, "blocks": _unique(tn[:7] for tn in tns),
            "codes": _unique(tn[:6] for tn in tns)}


@lru_cache(maxsize=2)
def providers_query(postgres: bool) -> sa.Select[Any]:
    """The look-up of current_providers, built once per dialect (parameters bound later): the
    three levels as UNION ALL branches, each an index look-up of the batch's TNs or prefixes,
    with the SPID's name (columns key, spid, lrn, source, name); `precedence` picks."""
    levels: list[sa.Select[Any]] = [
        sa.select(SV.tn.label("key"), SV.new_spid.label("spid"), SV.lrn.label("lrn"),
                  sa.literal_column("'sv'").label("source"))
        .where(batch_match(SV.tn, "tns", postgres=postgres), _ACTIVE),
        sa.select(ThousandsBlock.npa_nxx_x, ThousandsBlock.spid, ThousandsBlock.lrn,
                  sa.literal_column("'block'"))
        .where(batch_match(ThousandsBlock.npa_nxx_x, "blocks", postgres=postgres)),
        sa.select(NpaNxxCode.npa_nxx, NpaNxxCode.spid, NpaNxxCode.lrn,
                  sa.literal_column("'code'"))
        .where(batch_match(NpaNxxCode.npa_nxx, "codes", postgres=postgres)),
    ]
    union = sa.union_all(*levels).subquery()
    return sa.select(union.c.key, union.c.spid, union.c.lrn, union.c.source, Spid.name) \
        .outerjoin(Spid, Spid.spid == union.c.spid)


def open_svs_where(postgres: bool) -> sa.ColumnElement[bool]:
    """Pending or conflict SVs of the batch's TNs (the `tns` parameter)."""
    return sa.and_(batch_match(SV.tn, "tns", postgres=postgres), _NOT_ACTIVE, _OPEN)


Holder = tuple[str, str, str | None, str]  # (spid, spid_name, lrn, source) of a TN's provider


def holders(tns: list[str], rows: Iterable[Any]) -> dict[str, Holder]:
    """Each TN's provider from (key, spid, lrn, source, name) rows: SV, else block, else code
    (§2); the TNs that share a block or code share its one holder tuple."""
    levels: dict[str, dict[str, Holder]] = {"sv": {}, "block": {}, "code": {}}
    for key, spid, lrn, source, name in rows:
        levels[source][key] = (spid, name or "", lrn, source)
    svs, blocks, codes = levels["sv"].get, levels["block"].get, levels["code"].get
    found: dict[str, Holder] = {}
    for tn in tns:
        holder = svs(tn) or blocks(tn[:7]) or codes(tn[:6])
        if holder is not None:
            found[tn] = holder
    return found


def precedence(tns: list[str], rows: Iterable[Any]) -> dict[str, Provider]:
    """Each TN's provider from (key, spid, lrn, source, name) rows (`holders`)."""
    return {tn: Provider(tn, spid, name, lrn, source)
            for tn, (spid, name, lrn, source) in holders(tns, rows).items()}


class SqlRegistry:
    """The NPAC registry (business-rules §2, §9) kept in the npac_ tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @cached_property
    def _postgres(self) -> bool:
        return self.session.get_bind(SV).dialect.name == "postgresql"

    def _in(self, column: sa.SQLColumnExpression[str],
            values: list[str]) -> sa.ColumnElement[bool]:
        """Match a batch: one array parameter on PostgreSQL (one cached plan), else IN (...)."""
        if self._postgres:
            return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(sa.String)))
        return column.in_(values)

    def _rows(self, query: sa.Executable,
              params: dict[str, Any] | None = None) -> sa.CursorResult[Any]:
        """Run a lookup at Core level (no ORM overhead), after the session's autoflush."""
        if self.session.autoflush:
            self.session.flush()
        return self.session.connection().execute(query, params)

    # -- lookups -------------------------------------------------------------------------------

    def current_providers(self, tns: Sequence[str]) -> dict[str, Provider]:
        """Map each TN to its provider: active SV, else block, else code (§2).

        One statement for the whole batch: the three levels are UNION ALL branches (each an
        index look-up of the batch's TNs or prefixes), and the precedence is applied here.
        """
        wanted = _unique(tns)
        if not wanted:
            return {}
        params = batch_params(wanted, postgres=self._postgres)
        return precedence(wanted, self._rows(providers_query(self._postgres), params))

    def spid_names(self, spids: Iterable[str]) -> dict[str, str]:
        """Map each known SPID to its company name; unknown SPIDs are absent."""
        wanted = _unique(spids)
        if not wanted:
            return {}
        rows = self._rows(sa.select(Spid.spid, Spid.name).where(self._in(Spid.spid, wanted)))
        return {spid: name for spid, name in rows}

    def pending_tns(self, tns: Sequence[str]) -> set[str]:
        """Return the TNs that have a pending or conflict SV (one query)."""
        wanted = _unique(tns)
        if not wanted:
            return set()
        query = sa.select(SV.tn).where(self._in(SV.tn, wanted), _NOT_ACTIVE, _OPEN).distinct()
        return set(self._rows(query).scalars())

    def get_subscription(self, sv_id: int) -> SubscriptionView | None:
        """Return the SV with that id, or None."""
        sv = self.session.get(SV, sv_id)
        return _view(sv) if sv is not None else None

    def subscriptions_for_tns(self, tns: Sequence[str],
                              statuses: Iterable[str] | None = None) -> list[SubscriptionView]:
        """Return the SVs of these TNs, optionally only those in statuses, by TN then id."""
        wanted = _unique(tns)
        chosen = set(SV_STATUSES if statuses is None else statuses)
        if chosen - set(SV_STATUSES):
            raise ValueError(f"unknown SV statuses: {sorted(chosen - set(SV_STATUSES))}")
        if not wanted or not chosen:
            return []
        branches = []
        if "active" in chosen:
            branches.append(sa.select(*_SV_COLUMNS).where(self._in(SV.tn, wanted), _ACTIVE))
        others = sorted(chosen - {"active"})
        if others:
            query = sa.select(*_SV_COLUMNS).where(self._in(SV.tn, wanted), _NOT_ACTIVE)
            if len(others) < len(SV_STATUSES) - 1:
                query = query.where(SV.status.in_([_const(s) for s in others]))
            branches.append(query)
        union = branches[0] if len(branches) == 1 else sa.union_all(*branches)
        views = [SubscriptionView(**row._mapping) for row in self._rows(union)]
        return sorted(views, key=lambda v: (v.tn, v.id))

    # -- the SV lifecycle (§9.2-§9.4) ----------------------------------------------------------

    def create_subscription(self, tn: str, new_spid: str, lrn: str, due_date: date, *,
                            now: datetime, concur: bool) -> SubscriptionView:
        """Create an SV: pending and concurred if an FOC covers it, else conflict cause 50."""
        provider = self.current_providers([tn]).get(tn)
        sv = SV(tn=tn, old_spid=provider.spid if provider else None, new_spid=new_spid, lrn=lrn,
                due_date=due_date, status="pending" if concur else "conflict",
                conflict_cause=None if concur else LSR_NOT_RECEIVED, concurred=concur,
                created_at=now, updated_at=now)
        self.session.add(sv)
        self.session.flush()
        return _view(sv)

    def concur(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        """Concur as old provider: a pending or conflict SV becomes pending and concurred."""
        sv = self._load(sv_id, OPEN_STATUSES, "concur")
        sv.status, sv.concurred, sv.conflict_cause, sv.updated_at = "pending", True, None, now
        return self._flushed(sv)

    def put_in_conflict(self, sv_id: int, cause: int, *, now: datetime) -> SubscriptionView:
        """Put a pending SV into conflict with a cause code (§9.4)."""
        sv = self._load(sv_id, ("pending",), "put in conflict")
        sv.status, sv.concurred, sv.conflict_cause, sv.updated_at = "conflict", False, cause, now
        return self._flushed(sv)

    def activate(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        """Activate a pending, concurred SV; the TN's previous active SV becomes old (§9.3)."""
        sv = self._load(sv_id, ("pending",), "activate")
        if not sv.concurred:
            raise InvalidTransition(sv_id, "pending without concurrence", "activate")
        # Retire the previous active SV first: the partial unique index allows one active per TN.
        self.session.execute(sa.update(SV).where(SV.tn == sv.tn, _ACTIVE, SV.id != sv.id)
                             .values(status="old", updated_at=now))
        sv.status, sv.activated_at, sv.updated_at = "active", now, now
        return self._flushed(sv)

    def cancel(self, sv_id: int, *, now: datetime) -> SubscriptionView:
        """Cancel a pending or conflict SV."""
        sv = self._load(sv_id, OPEN_STATUSES, "cancel")
        sv.status, sv.canceled_at, sv.updated_at = "canceled", now, now
        return self._flushed(sv)

    def cancel_pending(self, tns: Sequence[str], *, now: datetime,
                       new_spid: str | None = None) -> int:
        """Cancel every pending or conflict SV of these TNs (with `new_spid`: only those that
        provider created) in one statement; return how many."""
        wanted = _unique(tns)
        if not wanted:
            return 0
        of_provider = [SV.new_spid == new_spid] if new_spid is not None else []
        result = self._dml(
            sa.update(SV).where(self._in(SV.tn, wanted), _NOT_ACTIVE, _OPEN, *of_provider)
            .values(status="canceled", canceled_at=now, updated_at=now)
            .execution_options(synchronize_session="fetch"))
        return result.rowcount

    def cancel_stale(self, due_before: date, *, now: datetime) -> int:
        """Cancel every pending or conflict SV whose due date is before the day (NPAC's
        pending-SV retention and conflict expiration timers); return how many."""
        result = self._dml(
            sa.update(SV).where(_NOT_ACTIVE, _OPEN, SV.due_date < due_before)
            .values(status="canceled", canceled_at=now, updated_at=now)
            .execution_options(synchronize_session="fetch"))
        return result.rowcount

    def _dml(self, statement: sa.Executable) -> sa.CursorResult[Any]:
        """Run an UPDATE through the session; DML answers with a CursorResult (rowcount)."""
        return cast("sa.CursorResult[Any]", self.session.execute(statement))

    def _load(self, sv_id: int, allowed: Sequence[str], action: str) -> SubscriptionVersion:
        # Lock the row (PostgreSQL) so two concurrent steps on one SV cannot both succeed.
        sv = self.session.get(SV, sv_id, with_for_update=True, populate_existing=True)
        if sv is None:
            raise UnknownSubscription(sv_id)
        if sv.status not in allowed:
            raise InvalidTransition(sv_id, sv.status, action)
        return sv

    def _flushed(self, sv: SubscriptionVersion) -> SubscriptionView:
        self.session.flush()
        return _view(sv)
