"""A partner's webhook (api-contract §5) as its administrators set it, and its recent deliveries."""
from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import Delivery, Notice, Partner
from gateway.services.identity.actors import Actor
from gateway.services.outbox.delivery import partner_error
from gateway.services.partners import directory as partners


def configure_webhook(session: Session, partner: Partner, url: str, secret: str | None, *,
                      actor: Actor, now: datetime, https_only: bool,
                      allow_private: bool = False) -> str | None:
    """Set or clear the webhook; a blank secret keeps the current one, or makes a new one.

    Returns the secret when one was generated (to show once), else None."""
    url, secret = (url or "").strip(), (secret or "").strip()
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


def recent_webhook_deliveries(session: Session, partner_id: int, limit: int = 20) -> list:
    """The partner's latest webhook deliveries: (delivery, event, the error a partner sees)."""
    rows = session.execute(
        sa.select(Delivery, Notice.event).join(Notice, Notice.id == Delivery.notice_id)
        .where(Notice.partner_id == partner_id, Delivery.channel == "webhook")
        .order_by(Delivery.id.desc()).limit(limit)).all()
    return [(d, event, partner_error(d.last_error)) for d, event in rows]
