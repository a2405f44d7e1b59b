"""Write notices to the outbox in the caller's transaction (business-rules §10)."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Contact, Delivery, Notice, Partner, User

# which partner contact type receives each event by email (§1.3 contact types)
CONTACT_TYPE = {
    "lsr.foc": "foc", "lsr.manual_review": "foc", "lsr.canceled": "foc",
    "lsr.rejected": "reject", "csr.rejected": "reject",
    "lsr.completed": "completion", "lsr.expired": "jeopardy",
    "escalation.raised": "escalation", "escalation.risen": "escalation",
    "escalation.acknowledged": "escalation", "escalation.resolved": "escalation",
    "lsr.foc_overdue": "jeopardy", "npac.conflict": "jeopardy",
    "lsr.disputed": "jeopardy", "lsr.released": "jeopardy",  # §11.2
    "lsr.note": "jeopardy",  # §13.1
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


def partner_recipients(session: Session, partner_id: int, contact_type: str) -> list[str]:
    """Email addresses of the partner's active users and contacts holding the type."""
    users = sa.select(User.email).where(
        User.partner_id == partner_id, User.disabled_at.is_(None),
        User.contact_types_csv.contains(contact_type))
    contacts = sa.select(Contact.email).where(
        Contact.partner_id == partner_id, Contact.removed_at.is_(None),
        Contact.types_csv.contains(contact_type))
    return sorted(set(session.scalars(sa.union(users, contacts))))


def emit(session: Session, event: str, partner: Partner | None, data: dict, *, now: datetime,
         subject: str, body: str, lsr_id: int | None = None, csr_request_id: int | None = None,
         emails: list[str] | None = None) -> Notice:
    """Record a notice and its deliveries: partner contacts by email, the webhook if set."""
    notice = Notice(event=event, partner_id=partner.id if partner else None, lsr_id=lsr_id,
                    csr_request_id=csr_request_id, subject=subject, body=body, data=data,
                    created_at=now)
    targets = list(emails or [])
    if partner is not None and event in CONTACT_TYPE:
        targets += partner_recipients(session, partner.id, CONTACT_TYPE[event])
    if targets:
        notice.deliveries.append(_delivery("email", ",".join(sorted(set(targets))), now))
    if partner is not None and partner.webhook_url and event in WEBHOOK_EVENTS:
        notice.deliveries.append(_delivery("webhook", partner.webhook_url, now))
    session.add(notice)
    return notice


def _delivery(channel: str, target: str, now: datetime) -> Delivery:
    return Delivery(delivery_id=str(uuid.uuid4()), channel=channel, target=target,
                    status="pending", attempts=0, next_attempt_at=now)
