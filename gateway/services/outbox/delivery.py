"""Send the outbox (§10.1, api-contract §5): email over SMTP and signed webhooks, at least once."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlparse

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from gateway.errors import GatewayError
from gateway.models import Delivery, Notice, Partner
from gateway.services.outbox.webhook_target import WebhookTarget, check_url

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


class WebhookFailed(Exception):
    """A webhook try failed; `shown` is all a partner may see ("HTTP 503", "connection failed"),
    `detail` is for the operator's log (api-contract §1: no error text to the partner)."""

    def __init__(self, shown: str, detail: str | None = None) -> None:
        super().__init__(detail or shown)
        self.shown, self.detail = shown, detail or shown


CONNECTION_FAILED = "connection failed"
_HTTP_STATUS = re.compile(r"^HTTP \d{3}$")


def partner_error(last_error: str | None) -> str:
    """What a partner is shown of a delivery's last error: the HTTP status or a generic text."""
    if not last_error:
        return ""
    return last_error if _HTTP_STATUS.match(last_error) else CONNECTION_FAILED


class WebhookClients:
    """The HTTP clients of one delivery run, one per checked destination (scheme, name, port,
    address): a partner's webhooks in a run share its connections (keep-alive) and one TLS
    context, instead of a client built per webhook (~20 ms each: ~14 webhooks a second). A
    client's connections go to one checked address and are verified for one name: never
    reused for another host, even on the same address."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._clients: dict[tuple[str, str, int, str | None], Any] = {}

    def for_target(self, target: WebhookTarget) -> Any:
        key = (target.scheme, target.host, target.port, target.address)
        client = self._clients.get(key)
        if client is None:
            import httpx  # here: only the worker sends (~30 ms off every web worker's start)

            client = self._clients[key] = httpx.Client(
                follow_redirects=False, trust_env=False, timeout=self.timeout)
        return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def send_webhook(delivery: Delivery, target: WebhookTarget, secret: str,
                 timeout: float = 10.0, clients: WebhookClients | None = None) -> int:
    """POST one notice to the checked address (never a redirect); return the 2xx status,
    raise WebhookFailed on anything else. `clients`: the run's clients (else one of its own)."""
    body = webhook_body(delivery)
    headers = {"Host": target.host_header, "Content-Type": "application/json",
               "X-Portgate-Event": delivery.notice.event,
               "X-Portgate-Delivery": delivery.delivery_id,
               "X-Portgate-Signature": signature(secret, body), "User-Agent": "Portgate/1"}
    # TLS still checks the certificate against the name: SNI is the name, not the address
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    own = clients is None
    run = WebhookClients(timeout) if clients is None else clients
    try:
        response = run.for_target(target).post(target.connect_url, content=body,
                                               headers=headers, extensions=extensions)
    except Exception as err:  # httpx's errors, and any other (a header it cannot encode…)
        raise WebhookFailed(CONNECTION_FAILED, f"{type(err).__name__}: {err}") from None
    finally:
        if own:
            run.close()
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"HTTP {response.status_code}")
    return response.status_code


TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class ProbeOutcome:
    """A test notice's result as the partner may see it ("HTTP 204", "HTTP 503",
    "connection failed"); `detail` is for the operator's log only."""

    delivery_id: str
    ok: bool
    shown: str
    detail: str


def send_test_webhook(partner: Partner, *, now: datetime, allow_private: bool,
                      https_only: bool, timeout: float = 5.0) -> ProbeOutcome:
    """POST a signed `webhook.test` to the partner's webhook at once, through the same checks
    and code as every delivery (the address checked again, no redirect). Nothing is queued:
    a test is tried once and never retried."""
    notice = Notice(event=TEST_EVENT, partner_id=partner.id, created_at=now,
                    subject="Portgate webhook test", body="A test notice.",
                    data={"test": True, "partner": partner.ccna,
                          "message": "A test notice your administrator asked for; "
                                     "answer 2xx to acknowledge it."})
    row = Delivery(delivery_id=str(uuid.uuid4()), channel="webhook",
                   target=partner.webhook_url or "", status="pending", attempts=0,
                   next_attempt_at=now, notice=notice)
    try:
        target = check_url(partner.webhook_url or "", allow_private=allow_private,
                           https_only=https_only)
        status = send_webhook(row, target, partner.webhook_secret or "", timeout=timeout)
    except GatewayError as err:
        return ProbeOutcome(row.delivery_id, False, CONNECTION_FAILED, err.message)
    except WebhookFailed as err:
        return ProbeOutcome(row.delivery_id, False, err.shown, err.detail)
    except Exception as err:  # whatever it is, the partner's test failed: not an error page
        return ProbeOutcome(row.delivery_id, False, CONNECTION_FAILED,
                            f"{type(err).__name__}: {err}")
    return ProbeOutcome(row.delivery_id, True, f"HTTP {status}", f"HTTP {status}")


def one_line(text: str | None) -> str:
    """A header value that can always be sent: line breaks and other control characters
    (CR, LF, tab, NEL, U+2028, U+2029) become spaces, so no text in a notice can add a header
    or make the message unbuildable."""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
                   for ch in text or "")


def send_email(delivery: Delivery, smtp_url: str, sender: str, timeout: float = 10.0) -> None:
    """Send one notice by SMTP to its addresses (every header value made one line first)."""
    parsed = urlparse(smtp_url)
    message = EmailMessage()
    message["From"], message["To"] = one_line(sender), one_line(delivery.target)
    message["Subject"] = one_line(delivery.notice.subject)
    message["Message-ID"] = f"<{one_line(delivery.delivery_id)}@portgate>"
    message.set_content(delivery.notice.body)
    with smtplib.SMTP(parsed.hostname or "localhost", parsed.port or 25, timeout=timeout) as smtp:
        smtp.send_message(message)


def claim(session: Session, *, now: datetime, worker: str, limit: int, email: bool,
          due_by: datetime | None = None) -> list[int]:
    """Lease due deliveries to this worker in one atomic UPDATE (safe across processes).

    `due_by` (default `now`): only deliveries due by then are claimed."""
    due = sa.select(Delivery.id).where(
        Delivery.status == "pending",
        Delivery.next_attempt_at <= (now if due_by is None else due_by),
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
            sender: str, limit: int = 200, allow_private: bool = False,
            https_only: bool = False) -> DeliveryReport:
    """Send everything that is due, claimed in chunks of `limit`; each delivery is marked in
    its own transaction right after sending.

    A run ends when a claim finds nothing due (api-contract §2 `deliver`). It sends what was
    due when it started: a try that fails is due again only after its back-off, and a notice
    queued meanwhile waits for the next run, so a run ends even while notices keep coming; it
    also stops if a whole chunk was taken by other workers (no progress).

    `allow_private` and `https_only` are the config's WEBHOOK_ALLOW_PRIVATE and
    WEBHOOK_HTTPS_ONLY, checked again at send time (api-contract §1, §5)."""
    report = DeliveryReport()
    worker = uuid.uuid4().hex
    started = now()
    clients = WebhookClients()
    try:
        _run(factory, report, worker, started, clients, now=now, smtp_url=smtp_url,
             sender=sender, limit=limit, allow_private=allow_private, https_only=https_only)
    finally:
        clients.close()
    return report


def _run(factory: sessionmaker, report: DeliveryReport, worker: str, started: datetime,
         clients: WebhookClients, *, now: Callable[[], datetime], smtp_url: str | None,
         sender: str, limit: int, allow_private: bool, https_only: bool) -> None:
    while True:
        with factory() as session, session.begin():
            ids = claim(session, now=now(), worker=worker, limit=limit, email=bool(smtp_url),
                        due_by=started)
        if not ids:
            break
        handled = 0
        for delivery_id in ids:
            with factory() as session, session.begin():
                row = session.get(Delivery, delivery_id)
                if row is None or row.lease_owner != worker or row.status != "pending":
                    report.skipped += 1
                    continue
                _attempt(session, row, now=now(), smtp_url=smtp_url, sender=sender,
                         report=report, allow_private=allow_private, https_only=https_only,
                         clients=clients)
                handled += 1
        if not handled:
            break


def _send_to_current_webhook(session: Session, row: Delivery, *, allow_private: bool,
                             https_only: bool, clients: WebhookClients | None = None) -> None:
    """Send to the URL and with the secret the partner has now, not those of queue time
    (§10.1), after checking the address again (api-contract §1)."""
    partner = session.get(Partner, row.notice.partner_id)
    if partner is None or not partner.webhook_url or not partner.webhook_secret \
            or (partner.webhook_set_at is not None
                and row.notice.created_at < partner.webhook_set_at):
        raise WebhookFailed(CONNECTION_FAILED, "the partner's webhook was removed")
    row.target = partner.webhook_url
    try:
        target = check_url(partner.webhook_url, allow_private=allow_private,
                           https_only=https_only)
    except GatewayError as err:
        raise WebhookFailed(CONNECTION_FAILED, err.message) from None
    send_webhook(row, target, partner.webhook_secret, clients=clients)


def _attempt(session: Session, row: Delivery, *, now: datetime, smtp_url: str | None,
             sender: str, report: DeliveryReport, allow_private: bool = False,
             https_only: bool = False, clients: WebhookClients | None = None) -> None:
    try:
        if row.channel == "webhook":
            _send_to_current_webhook(session, row, allow_private=allow_private,
                                     https_only=https_only, clients=clients)
        else:
            send_email(row, smtp_url, sender)
    except Exception as err:  # any failure, the receiver's or ours, is retried with back-off
        if isinstance(err, WebhookFailed):
            shown, detail = err.shown, err.detail
        else:  # a webhook's partner sees no error text (api-contract §1)
            detail = f"{type(err).__name__}: {err}"
            shown = CONNECTION_FAILED if row.channel == "webhook" else str(err)
        row.attempts += 1
        row.last_error = shown[:1000] or type(err).__name__
        row.lease_owner, row.lease_until = None, None
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "dead"
            report.dead += 1
        else:
            row.next_attempt_at = now + BACKOFF[row.attempts - 1]
            report.failed += 1
        report.errors.append(f"delivery {row.delivery_id}: {detail[:1000]}")
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
