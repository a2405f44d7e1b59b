"""The email and webhook outbox as the desk sees it (business-rules §10.1): delivery status,
dead letters and their re-send."""
from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from gateway.errors import Conflict, NotFound
from gateway.models import Delivery, Notice, Partner
from gateway.models.outbox import DELIVERY_STATUSES
from gateway.services.identity.actors import Actor
from gateway.services.orders.queries import Page
from gateway.services.outbox import delivery as delivery_svc

CHANNELS = ("email", "webhook")
# One-time links in welcome notices: staff see that a link was sent, never the link itself.
_LINK = re.compile(r"(/welcome/)[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    """Hide one-time password-set links from anyone reading the outbox."""
    return _LINK.sub(r"\1[one-time link hidden]", text or "")


def status_counts(session: Session) -> dict[str, int]:
    """Deliveries per status (one grouped query)."""
    counts = {s: 0 for s in DELIVERY_STATUSES}
    for status, count in session.execute(sa.select(Delivery.status, sa.func.count())
                                         .group_by(Delivery.status)):
        counts[status] = count
    return counts


def outbox_page(session: Session, *, status: str | None = None, channel: str | None = None,
                search: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    """Deliveries newest first, with their notice and partner CCNA, filtered and paged."""
    query = (sa.select(Delivery, Partner.ccna).join(Notice, Notice.id == Delivery.notice_id)
             .outerjoin(Partner, Partner.id == Notice.partner_id))
    if status in DELIVERY_STATUSES:
        query = query.where(Delivery.status == status)
    if channel in CHANNELS:
        query = query.where(Delivery.channel == channel)
    if search:
        needle = "%" + search.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(sa.or_(sa.func.lower(Delivery.target).like(needle, escape="\\"),
                                   sa.func.lower(Notice.subject).like(needle, escape="\\")))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.options(selectinload(Delivery.notice))
                           .order_by(Notice.created_at.desc(), Delivery.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([tuple(r) for r in rows], page, per_page, total)


def get_delivery(session: Session, delivery_id: int, *, for_update: bool = False) -> Delivery:
    delivery = session.get(Delivery, delivery_id, with_for_update=for_update)
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id}.")
    return delivery


def resend(session: Session, delivery_id: int, *, actor: Actor, now: datetime) -> Delivery:
    """Re-send a dead-lettered delivery with the same delivery id (audited)."""
    delivery = get_delivery(session, delivery_id, for_update=True)
    if delivery.status != "dead":
        raise Conflict(f"Delivery {delivery.delivery_id} is {delivery.status}; only "
                       "dead-lettered deliveries are re-sent.", code="not_dead")
    return delivery_svc.resend(session, delivery, now=now, actor=actor)
