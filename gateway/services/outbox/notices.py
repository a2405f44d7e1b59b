"""Write notices to the outbox in the caller's transaction (business-rules §10)."""
from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from gateway.db import HELD_PREVIOUS, Prepared, bound, flushed_connection, holds_writes
from gateway.models import Contact, Delivery, Notice, Partner, User
from gateway.models.partners import NOTICE_CATEGORIES

# which partner contact type receives each event by email (§1.3 contact types)
CONTACT_TYPE = {
    "lsr.foc": "foc", "lsr.manual_review": "foc", "lsr.canceled": "foc",
    "lsr.rejected": "reject", "csr.rejected": "reject",
    "lsr.completed": "completion", "lsr.expired": "jeopardy",  # §10.1 (category: expiry)
    "escalation.raised": "escalation", "escalation.risen": "escalation",
    "escalation.acknowledged": "escalation", "escalation.resolved": "escalation",
    "lsr.foc_overdue": "jeopardy", "npac.conflict": "jeopardy",
    "lsr.disputed": "jeopardy", "lsr.released": "jeopardy",  # §11.2
    "lsr.note": "jeopardy",  # §13.1 (category: notes)
}
WEBHOOK_EVENTS = {"lsr.foc", "lsr.rejected", "lsr.completed", "lsr.expired", "lsr.canceled",
                  "lsr.manual_review", "csr.returned", "csr.rejected", "escalation.raised",
                  "escalation.risen", "escalation.acknowledged", "escalation.resolved",
                  "lsr.disputed", "lsr.released", "lsr.note"}
# agent access steps (§1.1.2): to both partners' webhooks and administrators
ACCESS_EVENTS = ("access.requested", "access.approved", "access.declined", "access.suspended",
                 "access.resumed", "access.revoked")
WEBHOOK_EVENTS |= set(ACCESS_EVENTS)
WEBHOOK_EVENTS |= {"lsr_batch.done"}  # business-rules §12 (issue 15)


# the notice category of each event a partner may choose to receive or not (issue 15);
# events of no category (escalations, CSR answers, agent access) go as their contact type says
CATEGORY = {
    "lsr.foc": "foc", "lsr.manual_review": "foc", "lsr.canceled": "foc",
    "lsr.rejected": "reject", "csr.rejected": "reject",
    "lsr.completed": "completion", "lsr.expired": "expiry",
    "lsr.foc_overdue": "jeopardy", "npac.conflict": "jeopardy",
    "lsr.disputed": "jeopardy", "lsr.released": "jeopardy",
    "lsr.note": "notes",
    "lsr_batch.done": "batches",
}
assert set(CATEGORY.values()) == set(NOTICE_CATEGORIES)


def wants(prefs: frozenset[str] | set[str], event: str) -> bool:
    """Whether preferences (the categories ticked) let this event through."""
    category = CATEGORY.get(event)
    return category is None or category in prefs


def webhook_wants(partner: Partner, event: str) -> bool:
    """Whether the partner's webhook receives this event: set, an event webhooks carry, and a
    category its administrators left ticked."""
    return bool(partner.webhook_url) and event in WEBHOOK_EVENTS \
        and wants(partner.webhook_events, event)


Addressee = tuple[str, str, str]  # an active user's or contact's email, types, categories


def addressee_sources(partner_id: Any) -> list[tuple[Any, Any, Any, sa.ColumnElement[bool]]]:
    """Where a partner's addressees are: its active users and its contacts not removed, each as
    (email, contact types, categories, which rows); `partner_id` a value or bind parameter.
    The recipients' statement below and the decision's facts statement
    (`facts._facts_query`) both select them from here."""
    return [(User.email, User.contact_types_csv, User.notify_csv,
             sa.and_(User.partner_id == partner_id, User.disabled_at.is_(None))),
            (Contact.email, Contact.types_csv, Contact.notify_csv,
             sa.and_(Contact.partner_id == partner_id, Contact.removed_at.is_(None)))]


def partner_recipients(session: Session, partner_id: int, event: str,
                       known: list[Addressee] | None = None) -> list[str]:
    """Email addresses of the partner's active users and contacts that receive the event: they
    hold its contact type (§1.3) and kept its category ticked; batch results (no contact type)
    go to whoever ticked them. The addressees are `known` when the decision's facts loaded
    them in this transaction (`facts.order_facts`) and none changed since; else one SQL
    statement, built once (on the session's connection: no ORM autoflush)."""
    contact_type, category = CONTACT_TYPE.get(event), CATEGORY.get(event)
    if contact_type is None and category is None:
        return []
    if known is None or any(isinstance(obj, (User, Contact)) for obj in (
            *session.new, *session.dirty, *session.deleted)):
        # an address changed in this transaction counts; the step's order is written by Core
        connection = flushed_connection(session, (User, Contact))
        known = [tuple(row) for row in _ADDRESSEES.execute(connection,
                                                           {"partner_id": partner_id})]
    # its contact type and category among the comma-separated values
    return sorted({email for email, types, notify in known
                   if (contact_type is None or contact_type in types)
                   and (category is None or category in notify)})


_ADDRESSEES = Prepared(sa.union(*(
    sa.select(email, types, notify).where(which)
    for email, types, notify, which in addressee_sources(
        sa.bindparam("partner_id", type_=sa.Integer)))))


def emit(session: Session, event: str, partner: Partner | None, data: dict, *, now: datetime,
         subject: str, body: str, lsr_id: int | None = None, csr_request_id: int | None = None,
         emails: list[str] | None = None) -> Notice:
    """Record a notice and its deliveries: partner contacts by email, the webhook if set."""
    notice = Notice(event=event, partner_id=partner.id if partner else None, lsr_id=lsr_id,
                    csr_request_id=csr_request_id, subject=subject, body=body, data=data,
                    created_at=now)
    for channel, target in _targets(session, event, partner, emails):
        notice.deliveries.append(_delivery(channel, target, now))
    session.add(notice)
    return notice


def _targets(session: Session, event: str, partner: Partner | None, emails: list[str] | None,
             known: dict[int, list[Addressee]] | None = None) -> list[tuple[str, str]]:
    """Who gets the notice, as (channel, target) deliveries: one email to every address (the
    given ones and the partner's recipients of the event), the partner's webhook if set."""
    found: list[tuple[str, str]] = []
    targets = list(emails or [])
    if partner is not None:
        targets += partner_recipients(session, partner.id, event,
                                      (known or {}).get(partner.id))
    if targets:
        found.append(("email", ",".join(sorted(set(targets)))))
    if partner is not None and webhook_wants(partner, event):
        found.append(("webhook", partner.webhook_url))
    return found


def _delivery(channel: str, target: str, now: datetime) -> Delivery:
    return Delivery(**_delivery_values(channel, target, now))


def _delivery_values(channel: str, target: str, now: datetime) -> dict[str, Any]:
    return {"delivery_id": str(uuid.uuid4()), "channel": channel, "target": target,
            "status": "pending", "attempts": 0, "next_attempt_at": now}


_NOTICES = cast(sa.Table, Notice.__table__)
_NOTICE_KEYS = ("event", "partner_id", "lsr_id", "csr_request_id", "subject", "body", "data",
                "created_at")  # `Outbox.add`'s keys
_DELIVERY_TABLE = cast(sa.Table, Delivery.__table__)
_DELIVERY_VALUES = ("delivery_id", "channel", "target", "status", "attempts",
                    "next_attempt_at")  # `_delivery_values`' keys
_DELIVERY_KEYS = ("notice_id", *_DELIVERY_VALUES)
_DELIVERIES = Prepared(sa.insert(_DELIVERY_TABLE).values(bound(_DELIVERY_TABLE, _DELIVERY_KEYS)))


def _new_notices(count: int) -> Any:
    """An INSERT of `count` notices (multi-row VALUES) RETURNING their ids."""
    return sa.insert(_NOTICES).values(
        [bound(_NOTICES, _NOTICE_KEYS, f"_{n}") for n in range(count)]) \
        .returning(_NOTICES.c.id, _NOTICES.c.event, _NOTICES.c.partner_id)


@functools.lru_cache(maxsize=8)
def _notice_ids(count: int) -> Prepared:
    """`_new_notices`, rendered once (SQLite: the deliveries follow by `executemany`)."""
    return Prepared(_new_notices(count))


def _deliveries_from(notices: Any) -> Any:
    """PostgreSQL: the deliveries' INSERT from one array parameter per column (`notice`
    holding each delivery's notice as its 1-based place among the new notices in id order),
    the notices' ids read from `notices` (the new notices' rows: an `id` column)."""
    numbered = sa.select(notices.c.id, sa.func.row_number().over(order_by=notices.c.id)
                         .label("place")).subquery("numbered")
    arrays = sa.func.unnest(
        sa.bindparam("notice", type_=postgresql.ARRAY(sa.Integer)),
        *(sa.bindparam(key, type_=postgresql.ARRAY(_DELIVERY_TABLE.c[key].type))
          for key in _DELIVERY_VALUES)).table_valued("place", *_DELIVERY_VALUES) \
        .render_derived(name="unnested")
    return sa.insert(_DELIVERY_TABLE).from_select(
        list(_DELIVERY_KEYS),
        sa.select(numbered.c.id, *(arrays.c[key] for key in _DELIVERY_VALUES))
        .join_from(arrays, numbered, numbered.c.place == arrays.c.place))


@functools.lru_cache(maxsize=8)
def _notices_and_deliveries(count: int) -> Prepared:
    """PostgreSQL: `count` notices and their deliveries in one statement, rendered once: the
    notices' INSERT as a CTE, the deliveries' reading it, answering the notices' rows. One
    statement for any number of deliveries; psycopg's `executemany` for them was a second
    statement, run as a pipeline."""
    notices = _new_notices(count).cte("new_notices")
    return Prepared(sa.select(notices.c.id, notices.c.event, notices.c.partner_id)
                    .add_cte(_deliveries_from(notices).cte("new_deliveries"))
                    .order_by(notices.c.id))


# PostgreSQL, held after the notices' INSERT (`db.held_writes`): their deliveries, reading the
# rows that INSERT returned (`db.HELD_PREVIOUS`)
_HELD_DELIVERIES = Prepared(_deliveries_from(
    sa.table(HELD_PREVIOUS, sa.column("id", sa.Integer))))


class Outbox:
    """The notices of one step, written together at its end (issue 17): the same recipients
    and deliveries as `emit`, in one multi-row INSERT of the notices (RETURNING their ids)
    and one of their deliveries, with no ORM object."""

    def __init__(self, addressees: dict[int, list[Addressee]] | None = None) -> None:
        self._notices: list[dict[str, Any]] = []
        self._targets: list[list[tuple[str, str]]] = []
        self.addressees = addressees or {}  # partner id -> addressees known (`partner_recipients`)

    def add(self, session: Session, event: str, partner: Partner | None, data: dict, *,
            now: datetime, subject: str, body: str, lsr_id: int | None = None,
            csr_request_id: int | None = None, emails: list[str] | None = None) -> None:
        """Queue a notice as `emit` would record it (recipients are resolved now)."""
        self._notices.append({"event": event, "partner_id": partner.id if partner else None,
                              "lsr_id": lsr_id, "csr_request_id": csr_request_id,
                              "subject": subject, "body": body, "data": data,
                              "created_at": now})
        self._targets.append(_targets(session, event, partner, emails, self.addressees))

    def write(self, session: Session) -> None:
        """Insert the queued notices and their deliveries (SQLite: two statements;
        PostgreSQL: one, or, within `held_writes`, two held writes of the block's statement)."""
        if not self._notices:
            return
        connection = session.connection()
        params: dict[str, Any] = {f"{key}_{n}": value for n, notice in enumerate(self._notices)
                                  for key, value in notice.items()}
        # (the notice's place among the new ones, from 1; the delivery's values)
        deliveries = [(place, _delivery_values(channel, target, notice["created_at"]))
                      for place, (notice, targets) in enumerate(
                          zip(self._notices, self._targets, strict=True), 1)
                      for channel, target in targets]
        notices, self._notices, self._targets = self._notices, [], []
        if connection.dialect.name != "postgresql":
            rows = _notice_ids(len(notices)).execute(connection, params)  # many VALUES
            _in_values_order(notices, rows)
            # sqlite3's executemany loops in C within one statement's preparation
            _DELIVERIES.execute_many(connection, [{"notice_id": rows[place - 1][0], **values}
                                                  for place, values in deliveries])
            return
        arrays = {key: [values[key] for _, values in deliveries] for key in _DELIVERY_VALUES}
        arrays["notice"] = [place for place, _ in deliveries]
        if holds_writes(connection):
            # with the step's other writes, in its one statement: the notices, then their
            # deliveries reading the notices' new ids (`db.HELD_PREVIOUS`)
            _notice_ids(len(notices)).send(connection, params,
                                           functools.partial(_in_values_order, notices))
            if deliveries:
                _HELD_DELIVERIES.send(connection, arrays)
            return
        rows = _notices_and_deliveries(len(notices)).execute(connection, params | arrays)
        _in_values_order(notices, rows)


def _in_values_order(notices: list[dict[str, Any]], rows: list[Any]) -> None:
    """Check the new notices' rows (sorted here by id) are in VALUES order: ids are given in
    that order on both databases (SQLAlchemy's sort_by_parameter_order would cost SQLite one
    INSERT per row), and the deliveries were numbered by it."""
    rows.sort(key=lambda row: row[0])
    for (_id, event, partner_id), notice in zip(rows, notices, strict=True):
        if (event, partner_id) != (notice["event"], notice["partner_id"]):
            raise RuntimeError("notice ids did not come back in VALUES order")


def received(contact_types: frozenset[str] | set[str],
             notify: frozenset[str] | set[str]) -> list[str]:
    """The categories a user or contact really receives: ticked and brought by one of its
    contact types (batch results, of no contact type: ticked)."""
    return [c for c in NOTICE_CATEGORIES if c in notify and any(
        CONTACT_TYPE.get(e) is None or CONTACT_TYPE[e] in contact_types
        for e, category in CATEGORY.items() if category == c)]
