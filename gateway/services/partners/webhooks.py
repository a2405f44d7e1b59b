"""A partner's webhook (api-contract §5) as its administrators set it, and its recent deliveries."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import Delivery, Notice, Partner
from gateway.models.partners import _csv
from gateway.services import audit
from gateway.services.identity.actors import Actor
from gateway.services.outbox.delivery import ProbeOutcome, partner_error, send_test_webhook
from gateway.services.partners import directory as partners
from gateway.services.partners.contacts import notice_categories

log = logging.getLogger(__name__)


def configure_webhook(session: Session, partner: Partner, url: str, secret: str | None, *,
                      actor: Actor, now: datetime, https_only: bool,
                      allow_private: bool = False, events: list[str] | None = None) -> str | None:
    """Set or clear the webhook; a blank secret keeps the current one, or makes a new one;
    `events` (when given) are the notice categories it receives (issue 15).

    Returns the secret when one was generated (to show once), else None."""
    url, secret = (url or "").strip(), (secret or "").strip()
    categories = None if events is None else notice_categories(events, "invalid_webhook")
    generated = None
    if url and not secret:
        secret = partner.webhook_secret or ""
        if not secret:
            secret = generated = "whsec_" + secrets.token_urlsafe(32)
    if secret and len(secret) < 16:
        raise InvalidInput("The signing secret must be at least 16 characters.",
                           code="invalid_webhook")
    partners.set_webhook(session, partner, url, secret or None, actor=actor, now=now,
                         https_only=https_only, allow_private=allow_private)
    if categories is not None and set(categories) != partner.webhook_events:
        before = sorted(partner.webhook_events)
        partner.webhook_events_csv = _csv(categories)
        audit.record(session, actor, "partner.webhook_events", "partner", partner.id, now=now,
                     partner_id=partner.id, before={"events": before},
                     after={"events": categories})
    return generated


def rotate_secret(session: Session, partner: Partner, *, actor: Actor, now: datetime,
                  https_only: bool, allow_private: bool = False) -> str:
    """Replace the signing secret with a new random one (shown once)."""
    if not partner.webhook_url:
        raise InvalidInput("Set a webhook URL first.", code="invalid_webhook")
    secret = "whsec_" + secrets.token_urlsafe(32)
    partners.set_webhook(session, partner, partner.webhook_url, secret, actor=actor, now=now,
                         https_only=https_only, allow_private=allow_private)
    return secret


def send_test_notice(session: Session, partner: Partner, *, actor: Actor, now: datetime,
                     https_only: bool, allow_private: bool = False) -> ProbeOutcome:
    """Send a signed `webhook.test` to the partner's webhook now and say what came back (the
    HTTP status, or "connection failed": never why, so no oracle on who listens where);
    audited with that outcome."""
    if not partner.webhook_url or not partner.webhook_secret:
        raise InvalidInput("Set a webhook URL first.", code="invalid_webhook")
    outcome = send_test_webhook(partner, now=now, allow_private=allow_private,
                                https_only=https_only)
    if not outcome.ok:
        log.info("webhook test %s for partner %s failed: %s", outcome.delivery_id,
                 partner.ccna, outcome.detail)
    audit.record(session, actor, "partner.webhook_tested", "partner", partner.id, now=now,
                 partner_id=partner.id,
                 after={"url": partner.webhook_url, "outcome": outcome.shown},
                 details={"delivery_id": outcome.delivery_id})
    return outcome


def recent_webhook_deliveries(session: Session, partner_id: int, limit: int = 20) -> list:
    """The partner's latest webhook deliveries: (delivery, event, the error a partner sees)."""
    rows = session.execute(
        sa.select(Delivery, Notice.event).join(Notice, Notice.id == Delivery.notice_id)
        .where(Notice.partner_id == partner_id, Delivery.channel == "webhook")
        .order_by(Delivery.id.desc()).limit(limit)).all()
    return [(d, event, partner_error(d.last_error)) for d, event in rows]
