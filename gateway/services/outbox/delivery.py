"""Send the outbox (§10.1, api-contract §5): email over SMTP and signed webhooks, at least once."""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlparse

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from gateway.models import Delivery, Partner

# waits after the 1st…5th failure; the 6th failure dead-letters the delivery (§10.1)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=2)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def webhook_body(delivery: Delivery) -> bytes:
    """The exact bytes POSTed (the same on every retry)."""
    notice = delivery.notice
    return json.dumps({"id": delivery.delivery_id, "event": notice.event,
                       "created_at": notice.created_at.isoformat(), "data": notice.data},
                      sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(delivery: Delivery, secret: str, timeout: float = 10.0) -> None:
    """POST one notice; raise on anything but a 2xx answer."""
    body = webhook_body(delivery)
    request = urllib.request.Request(delivery.target, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Portgate-Event": delivery.notice.event,
        "X-Portgate-Delivery": delivery.delivery_id,
        "X-Portgate-Signature": signature(secret, body), "User-Agent": "Portgate/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise RuntimeError(f"HTTP {response.status}")
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"HTTP {err.code}") from None


def send_email(delivery: Delivery, smtp_url: str, sender: str, timeout: float = 10.0) -> None:
    """Send one notice by SMTP to its addresses."""
    parsed = urlparse(smtp_url)
    message = EmailMessage()
    message["From"], message["To"] = sender, delivery.target
    message["Subject"] = delivery.notice.subject
    message["Message-ID"] = f"<{delivery.delivery_id}@portgate>"
    message.set_content(delivery.notice.body)
    with smtplib.SMTP(parsed.hostname or "localhost", parsed.port or 25, timeout=timeout) as smtp:
        smtp.send_message(message)


def claim(session: Session, *, now: datetime, worker: str, limit: int, email: bool) -> list[int]:
    """Lease due deliveries to this worker in one atomic UPDATE (safe across processes)."""
    due = sa.select(Delivery.id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= now,
        sa.or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
    if not email:
        due = due.where(Delivery.channel != "email")
    due = due.order_by(Delivery.next_attempt_at).limit(limit)
    if session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        return []
    session.execute(sa.update(Delivery).where(
        Delivery.id.in_(ids), sa.or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
        .values(lease_owner=worker, lease_until=now + LEASE))
    return list(session.scalars(sa.select(Delivery.id).where(
        Delivery.id.in_(ids), Delivery.lease_owner == worker)))


def deliver(factory: sessionmaker, *, now: Callable[[], datetime], smtp_url: str | None,
            sender: str, limit: int = 200) -> DeliveryReport:
    """Send what is due; each delivery is marked in its own transaction right after sending."""
    report = DeliveryReport()
    worker = uuid.uuid4().hex
    with factory() as session, session.begin():
        ids = claim(session, now=now(), worker=worker, limit=limit, email=bool(smtp_url))
    for delivery_id in ids:
        with factory() as session, session.begin():
            row = session.get(Delivery, delivery_id)
            if row is None or row.lease_owner != worker or row.status != "pending":
                report.skipped += 1
                continue
            _attempt(session, row, now=now(), smtp_url=smtp_url, sender=sender, report=report)
    return report


def _attempt(session: Session, row: Delivery, *, now: datetime, smtp_url: str | None,
             sender: str, report: DeliveryReport) -> None:
    try:
        if row.channel == "webhook":
            partner = session.get(Partner, row.notice.partner_id)
            if partner is None or not partner.webhook_secret:
                raise RuntimeError("the partner's webhook was removed")
            send_webhook(row, partner.webhook_secret)
        else:
            send_email(row, smtp_url, sender)
    except Exception as err:  # any failure of the receiver is retried with back-off
        row.attempts += 1
        row.last_error = str(err)[:1000] or type(err).__name__
        row.lease_owner, row.lease_until = None, None
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "dead"
            report.dead += 1
        else:
            row.next_attempt_at = now + BACKOFF[row.attempts - 1]
            report.failed += 1
        report.errors.append(f"delivery {row.delivery_id}: {row.last_error}")
        return
    row.attempts += 1
    row.status, row.sent_at, row.last_error = "sent", now, None
    row.lease_owner, row.lease_until = None, None
    report.sent += 1


def resend(session: Session, delivery: Delivery, *, now: datetime, actor=None) -> Delivery:
    """Staff re-send of a dead-lettered delivery: same delivery id, a fresh set of tries."""
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
    delivery.lease_owner = delivery.lease_until = None
    if actor is not None:
        from gateway.services import audit

        audit.record(session, actor, "delivery.resent", "delivery", delivery.id, now=now,
                     partner_id=delivery.notice.partner_id, before=before,
                     after={"status": "pending"}, details={"delivery_id": delivery.delivery_id})
    return delivery
