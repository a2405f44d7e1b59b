"""The end user's "I did not ask for this" links (business-rules §11.2): random, kept hashed."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.db import Prepared, bound
from gateway.models import DisputeLink, Lsr

TOKEN_BYTES = 32  # 256 bits: unguessable, so a plain SHA-256 of it is enough to keep


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_dispute_link(session: Session, order: Lsr, *, now: datetime) -> str:
    """Create a link for the order's end-user notice; return its token (shown once, in the
    email; only its hash is stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    _NEW_LINK.send(session.connection(), {"lsr_id": order.id, "token_hash": token_hash(token),
                                          "created_at": now})
    return token


_LINKS = cast(sa.Table, DisputeLink.__table__)
_NEW_LINK = Prepared(sa.insert(_LINKS).values(bound(_LINKS, ("lsr_id", "token_hash",
                                                              "created_at"))))


def live_link(session: Session, token: str, *, for_update: bool = False
              ) -> tuple[DisputeLink, Lsr] | None:
    """The link and its order while the link works: unused, and the order has an FOC in force
    that is not on hold (not completed, canceled or expired). Else None."""
    if not token or len(token) > 100:
        return None
    query = sa.select(DisputeLink, Lsr).join(Lsr, Lsr.id == DisputeLink.lsr_id).where(
        DisputeLink.token_hash == token_hash(token))
    if for_update:
        query = query.with_for_update(of=Lsr)
    row = session.execute(query).first()
    if row is None:
        return None
    link, order = row
    if link.used_at is not None or order.status != "foc" or order.hold:
        return None
    return link, order


def use_links(session: Session, order: Lsr, *, now: datetime) -> None:
    """A dispute uses up every link of the order (each end-user notice carried one)."""
    session.execute(sa.update(DisputeLink).where(DisputeLink.lsr_id == order.id,
                                                 DisputeLink.used_at.is_(None))
                    .values(used_at=now))
