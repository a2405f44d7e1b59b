"""Append-only audit trail: the only writer of AuditEvent rows (no update or delete path)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.models import AuditEvent
from gateway.services.actors import Actor


def record(session: Session, actor: Actor, action: str, obj_type: str, obj_id: Any, *,
           now: datetime, partner_id: int | None = None, before: dict | None = None,
           after: dict | None = None, details: dict | None = None) -> AuditEvent:
    """Write one audit event (who, what, when, before/after) in the caller's transaction."""
    if actor.ip:
        details = {**(details or {}), "ip": actor.ip}
    event = AuditEvent(at=now, actor_user_id=actor.user_id, actor=actor.label,
                       partner_id=partner_id if partner_id is not None else actor.partner_id,
                       action=action, object_type=obj_type, object_id=str(obj_id),
                       before=before, after=after, details=details)
    session.add(event)
    return event
