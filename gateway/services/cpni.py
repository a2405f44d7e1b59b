"""CPNI reads on the audit trail (business-rules §1.3.3): who saw which account's data, when.

Every view of a CSR (portal page, API read of one CSR request, staff console), every view of an
account in the staff console and every download (CSR, LOA) is one audit event naming the user
(`actor`, `actor_user_id`), the account (`details.account`, and the object) and the time
(`at`). List pages are not audited.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import AuditEvent, CsrRequest, Loa, Lsr
from gateway.services import audit
from gateway.services.identity.actors import Actor

CPNI_READS = ("csr.viewed", "csr.downloaded", "account.viewed", "loa.viewed")


def csr_viewed(session: Session, req: CsrRequest, *, actor: Actor, now: datetime,
               channel: str) -> AuditEvent:
    """Record that the actor saw a CSR request (its record, when returned) on `channel`."""
    return audit.record(session, actor, "csr.viewed", "csr_request", req.id, now=now,
                        partner_id=req.owner_partner_id,
                        details={"account": req.account_number, "tn": req.tn,
                                 "status": req.status, "channel": channel})


def account_viewed(session: Session, account_number: str, *, actor: Actor,
                   now: datetime) -> AuditEvent:
    """Record that a staff user opened an account in the staff console."""
    return audit.record(session, actor, "account.viewed", "account", account_number, now=now,
                        partner_id=None, details={"account": account_number,
                                                  "channel": "staff"})


def loa_account(session: Session, loa: Loa) -> str | None:
    """The account an LOA authorized a CSR request or an order on (None if not known)."""
    for model in (CsrRequest, Lsr):
        number = session.scalar(sa.select(model.account_number).where(
            model.loa_id == loa.id, model.account_number.is_not(None)).limit(1))
        if number:
            return number
    return None
