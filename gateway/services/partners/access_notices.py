"""Notices of agent access steps (business-rules §1.1.2): every step goes to both partners, by
webhook (events `access.*`) and by email to their active administrators."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import AccessRequest, AgentApproval, Partner, User
from gateway.services.outbox import notices

_VERBS = {"access.requested": "asks to act for", "access.approved": "may now act for",
          "access.declined": "was declined by", "access.suspended": "is suspended by",
          "access.resumed": "may again act for", "access.revoked": "may no longer act for"}


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at else None


def _party(partner: Partner) -> dict:
    return {"ccna": partner.ccna, "name": partner.name}


def request_body(req: AccessRequest) -> dict:
    return {"id": req.id, "privileges": sorted(req.privileges), "reason": req.reason,
            "status": req.status, "requested_at": _iso(req.requested_at),
            "decided_at": _iso(req.decided_at), "note": req.decision_note,
            "approval_id": req.approval_id}


def approval_body(approval: AgentApproval) -> dict:
    return {"id": approval.id, "privileges": sorted(approval.privileges),
            "status": approval.state, "granted_at": _iso(approval.granted_at),
            "suspended_at": _iso(approval.suspended_at), "revoked_at": _iso(approval.revoked_at)}


def access_body(carrier: Partner, agent: Partner, *, approval: AgentApproval | None = None,
                request: AccessRequest | None = None) -> dict:
    """The `data` of an `access.*` webhook: both parties, the request and the approval."""
    return {"carrier": _party(carrier), "agent": _party(agent),
            "request": request_body(request) if request is not None else None,
            "approval": approval_body(approval) if approval is not None else None}


def admin_emails(session: Session, partner_id: int) -> list[str]:
    """The partner's active administrators' addresses."""
    return sorted(set(session.scalars(sa.select(User.email).where(
        User.partner_id == partner_id, User.role == "partner_admin",
        User.disabled_at.is_(None)))))


def notify(session: Session, event: str, carrier: Partner, agent: Partner, *, now: datetime,
           approval: AgentApproval | None = None, request: AccessRequest | None = None,
           privileges: frozenset[str] | None = None) -> None:
    """Write the step's notice to the outbox, once for each partner."""
    session.flush()  # ids in the body
    data = access_body(carrier, agent, approval=approval, request=request)
    privs = privileges if privileges is not None else (
        approval.privileges if approval is not None else
        request.privileges if request is not None else frozenset())
    subject = (f"{agent.name} ({agent.ccna}) {_VERBS[event]} {carrier.name} ({carrier.ccna})"
               + (f": {', '.join(sorted(privs))}" if privs else ""))
    lines = [subject + "."]
    if request is not None and event == "access.requested":
        lines.append(f"Reason given: {request.reason}")
    if request is not None and request.decision_note:
        lines.append(f"Note: {request.decision_note}")
    if event == "access.suspended":
        lines.append("While suspended, the agent's requests under the carrier's CCNA are "
                     "refused (R104) and its orders are hidden from it (business-rules §1.1.1).")
    for partner in (carrier, agent):
        notices.emit(session, event, partner, data, now=now, subject=subject[:200],
                     body="\n\n".join(lines), emails=admin_emails(session, partner.id))
