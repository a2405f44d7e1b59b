"""Append-only audit trail: the only writer of AuditEvent rows (no update or delete path)."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.db import Prepared, bound
from gateway.models import AuditEvent
from gateway.services.identity.actors import Actor
from gateway.services.identity.people import Person, people


def record(session: Session, actor: Actor, action: str, obj_type: str, obj_id: Any, *,
           now: datetime, partner_id: int | None = None, before: dict | None = None,
           after: dict | None = None, details: dict | None = None) -> AuditEvent:
    """Write one audit event (who, what, when, before/after) in the caller's transaction."""
    event = AuditEvent(**_values(actor, action, obj_type, obj_id, now=now,
                                 partner_id=partner_id, before=before, after=after,
                                 details=details))
    session.add(event)
    return event


_AUDIT = cast(sa.Table, AuditEvent.__table__)
_INSERT_KEYS = ("at", "actor_user_id", "actor", "partner_id", "action", "object_type",
                "object_id", "before", "after", "details")  # `_values`' keys
_INSERT = Prepared(sa.insert(_AUDIT).values(bound(_AUDIT, _INSERT_KEYS)))


def write(session: Session, actor: Actor, action: str, obj_type: str, obj_id: Any, *,
          now: datetime, partner_id: int | None = None, before: dict | None = None,
          after: dict | None = None, details: dict | None = None) -> None:
    """`record` as one Core INSERT with no ORM object (the order lifecycle's hot path, issue
    17): sent at once, or in a lifecycle step on PostgreSQL with its other writes
    (`db.held_writes`)."""
    _INSERT.send(session.connection(), _values(
        actor, action, obj_type, obj_id, now=now, partner_id=partner_id, before=before,
        after=after, details=details))


def _values(actor: Actor, action: str, obj_type: str, obj_id: Any, *, now: datetime,
            partner_id: int | None, before: dict | None, after: dict | None,
            details: dict | None) -> dict[str, Any]:
    if actor.ip:
        details = {**(details or {}), "ip": actor.ip}
    return {"at": now, "actor_user_id": actor.user_id, "actor": actor.label,
            "partner_id": partner_id if partner_id is not None else actor.partner_id,
            "action": action, "object_type": obj_type, "object_id": str(obj_id),
            "before": before, "after": after, "details": details}


# --- reading and exporting the trail (staff only; issue 8) -------------------------------

EXPORT_COLUMNS = ("id", "at", "actor", "actor_user_id", "actor_name", "actor_phone",
                  "partner_id", "action", "object_type", "object_id", "before", "after", "details")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    """Which events to read; every field optional. `action` ending in `*` is a prefix."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    partner_id: int | None = None
    account: str | None = None  # events naming the account (CPNI reads, §1.3.3)
    actions: tuple[str, ...] | None = None  # any of these actions (e.g. cpni.CPNI_READS)

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in self.__dict__.items() if v is not None}


def _query(filters: AuditFilter):
    query = sa.select(AuditEvent)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    if filters.actor:
        query = query.where(AuditEvent.actor == filters.actor)
    if filters.action and filters.action.endswith("*"):
        prefix = filters.action[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEvent.action.like(prefix + "%", escape="\\"))
    elif filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.partner_id is not None:
        query = query.where(AuditEvent.partner_id == filters.partner_id)
    if filters.account:
        query = query.where(sa.or_(
            AuditEvent.details["account"].as_string() == filters.account,
            sa.and_(AuditEvent.object_type == "account",
                    AuditEvent.object_id == filters.account)))
    if filters.actions:
        query = query.where(AuditEvent.action.in_(filters.actions))
    return query


def list_events(session: Session, filters: AuditFilter, *, page: int, per_page: int,
                newest_first: bool = False) -> tuple[list[AuditEvent], int]:
    """One page of matching events, oldest first (or newest first), and the total count."""
    query = _query(filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = AuditEvent.id.desc() if newest_first else AuditEvent.id
    items = session.scalars(query.order_by(order).limit(per_page)
                            .offset((page - 1) * per_page)).all()
    return list(items), total


def iter_events(session: Session, filters: AuditFilter, *, batch: int = 1000
                ) -> Iterator[AuditEvent]:
    """Every matching event, oldest first, read in batches by id (flat memory)."""
    last = 0
    while True:
        rows = session.scalars(_query(filters).where(AuditEvent.id > last)
                               .order_by(AuditEvent.id).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].id


def event_dict(event: AuditEvent, person: Person | None = None) -> dict:
    """The event as exported; `actor_name`/`actor_phone` are the acting user's full name and
    phone today (business-rules §1.3.2), null for the system and the CLI."""
    return {"id": event.id, "at": event.at.astimezone(UTC).isoformat(),
            "actor": event.actor, "actor_user_id": event.actor_user_id,
            "actor_name": person.full_name if person else None,
            "actor_phone": person.phone if person else None,
            "partner_id": event.partner_id, "action": event.action,
            "object_type": event.object_type, "object_id": event.object_id,
            "before": event.before, "after": event.after, "details": event.details}


def person_lookup(session: Session) -> Callable[[int | None], Person | None]:
    """A user id -> Person lookup for an export, one query per user met (remembered)."""
    cache: dict[int, Person | None] = {}

    def find(user_id: int | None) -> Person | None:
        if user_id is None:
            return None
        if user_id not in cache:
            cache[user_id] = people(session, [user_id]).get(user_id)
        return cache[user_id]

    return find


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    # a spreadsheet must not run partner-supplied text as a formula (CSV injection)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(events: Iterable[AuditEvent],
              names: Callable[[int | None], Person | None] | None = None) -> Iterator[str]:
    """The export as CSV text, a header and one line per event."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for event in events:
        row = event_dict(event, names(event.actor_user_id) if names else None)
        writer.writerow([_cell(row[c]) if c not in ("id", "actor_user_id", "partner_id")
                         else ("" if row[c] is None else str(row[c])) for c in EXPORT_COLUMNS])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def record_export(session: Session, actor: Actor, filters: AuditFilter, *, fmt: str,
                  now: datetime) -> AuditEvent:
    """Reading the trail is itself audited: who exported what."""
    return record(session, actor, "audit.exported", "audit_events", "*", now=now,
                  partner_id=None, details={"format": fmt, "filters": filters.as_dict()})
