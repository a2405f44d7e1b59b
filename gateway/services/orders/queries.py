"""Read queries for lists and look-ups, always scoped to what the reader may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, selectinload

from gateway.models import CsrRequest, Lsr, LsrTn
from gateway.models.orders import OPEN_STATUSES
from gateway.services.orders.tiles import ORDER_SETS, Moment, in_set
from gateway.services.policy import Action, Scope, csr_clause, lsr_clause
from validators.calendar import day_start_utc


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int


def visible_lsrs(scope: Scope, action: Action = Action.READ) -> sa.Select[tuple[Lsr]]:
    """Orders the actor may act on as `action` says (business-rules §1.1.1; staff: all)."""
    return sa.select(Lsr).where(lsr_clause(scope, action))


def get_lsr(session: Session, lsr_id: int, scope: Scope, *, action: Action = Action.READ,
            for_update: bool = False) -> Lsr | None:
    """The order if the actor may act on it, else None (indistinguishable from none)."""
    query = visible_lsrs(scope, action).where(Lsr.id == lsr_id).options(
        selectinload(Lsr.versions))
    if for_update:
        query = query.with_for_update()
    order: Lsr | None = session.scalar(query)
    return order


def list_lsrs(session: Session, scope: Scope, *, pon: str | None = None,
              tn: str | None = None, status: str | None = None, date_from: date | None = None,
              date_to: date | None = None, page: int = 1, per_page: int = 50,
              pon_prefix: str | None = None, show: str | None = None,
              moment: Moment | None = None, zone: tzinfo = UTC) -> Page:
    """The orders the reader may see that match the search; `show` names a dashboard tile's
    set (gateway/services/orders/tiles.py), judged at `moment`, so the list is its count.
    `date_from` and `date_to` are calendar days of `zone` (the portal: the user's zone) in
    which the order was first received."""
    query = visible_lsrs(scope)
    if show in ORDER_SETS and moment is not None:
        query = query.where(in_set(show, moment))
    if pon:
        query = query.where(Lsr.pon == pon)
    if pon_prefix:  # the portal's search box: `tour0` finds TOUR01, TOUR02...
        like = pon_prefix.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(sa.func.upper(Lsr.pon).like(like + "%", escape="\\"))
    if status:
        query = query.where(Lsr.status == status)
    if tn:
        query = query.where(_tn_filter(tn, postgres=_postgres(session)))
    since = day_start_utc(date_from, zone) if date_from else None
    until = day_start_utc(date_to, zone, after=True) if date_to else None
    if since is not None:
        query = query.where(Lsr.created_at >= since)
    if until is not None:
        query = query.where(Lsr.created_at < until)
    return _page(session, query.options(selectinload(Lsr.versions)), Lsr.id.desc(), page,
                 per_page)


def _tn_filter(tn: str, *, postgres: bool) -> sa.ColumnElement[bool]:
    """Orders that port the TN: its FOC TNs, else the TNs it asked for (the payload's "tns");
    never another number of the order (NAN, ATN, the initiator's phone...). An open order is
    found by the open-TN index (§2.4: its rows are the order's FOC TNs), any other by its JSON."""
    indexed = Lsr.id.in_(sa.select(LsrTn.lsr_id).where(LsrTn.tn == tn))
    return sa.or_(indexed, sa.and_(Lsr.status.not_in(OPEN_STATUSES),
                                   _ports_tn(tn, postgres=postgres)))


def _ports_tn(tn: str, *, postgres: bool) -> sa.ColumnElement[bool]:
    """The order's TN list (FOC TNs when it has any, else the requested "tns" array) holds the
    TN as a string: jsonb containment on PostgreSQL, json_each on SQLite (no text search, so
    no other key's value and no LIKE wildcard in the TN can match)."""
    if postgres:
        return sa.case(
            (Lsr.foc_tns.op("!=")(sa.cast(sa.literal("[]"), JSONB)),
             Lsr.foc_tns.op("@>")(sa.bindparam(None, [tn], type_=JSONB))),
            else_=Lsr.payload.op("@>")(sa.bindparam(None, {"tns": [tn]}, type_=JSONB)))
    confirmed = sa.func.json_each(Lsr.foc_tns).table_valued("value")
    requested = sa.func.json_each(Lsr.payload, "$.tns").table_valued("value")
    return sa.case(
        (sa.func.json_array_length(Lsr.foc_tns) > 0,
         sa.select(sa.literal(1)).select_from(confirmed)
         .where(confirmed.c.value == tn).exists()),
        else_=sa.and_(sa.func.json_type(Lsr.payload, "$.tns") == "array",
                      sa.select(sa.literal(1)).select_from(requested)
                      .where(requested.c.value == tn).exists()))


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def list_csr_requests(session: Session, scope: Scope, *, tn: str | None = None,
                      page: int = 1, per_page: int = 50) -> Page:
    query = sa.select(CsrRequest).where(csr_clause(scope))
    if tn:
        query = query.where(CsrRequest.tn == tn)
    return _page(session, query, CsrRequest.id.desc(), page, per_page)


def _page(session: Session, query: sa.Select[Any], order: sa.ColumnElement[Any], page: int,
          per_page: int) -> Page:
    total = session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).options().subquery()))
    items = session.scalars(query.order_by(order).limit(per_page)
                            .offset((page - 1) * per_page)).all()
    return Page(list(items), page, per_page, total or 0)
