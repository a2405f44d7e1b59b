"""Agent access requests (business-rules §1.1.2): an agent's administrator asks a carrier, by
CCNA, for privileges and says why; the carrier's administrators approve (with those privileges
or fewer) or decline. Every step is audited and notified to both partners."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import AccessRequest, AgentApproval, Partner
from gateway.models.partners import PRIVILEGES, _csv
from gateway.services import audit
from gateway.services.identity.actors import Actor
from gateway.services.partners import access_notices
from gateway.services.partners import directory as partners

REASON_MAX = 1000
NOTE_MAX = 500


def _privileges(privileges: list[str] | None) -> list[str]:
    chosen = sorted(set(privileges or []))
    if not chosen or any(p not in PRIVILEGES for p in chosen):
        raise InvalidInput("Choose the privileges among csr, lsr and view.",
                           code="invalid_privileges")
    return chosen


def request_access(session: Session, agent: Partner, carrier_ccna: str, privileges: list[str],
                   reason: str, *, actor: Actor, now: datetime) -> AccessRequest:
    """Ask the carrier with this CCNA to approve the agent; one open request per carrier."""
    if not agent.is_agent:
        raise Conflict("Only agent companies ask carriers for access.", code="not_an_agent")
    chosen = _privileges(privileges)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput(f"Say why you ask (1-{REASON_MAX} characters).",
                           code="invalid_reason")
    ccna = (carrier_ccna or "").strip().upper()
    carrier = session.scalar(sa.select(Partner).where(Partner.ccna == ccna))
    if carrier is None or carrier.is_agent or carrier.status != "active":
        raise NotFound(f"No active carrier has the CCNA {ccna!r}.", code="unknown_carrier")
    if session.scalar(sa.select(AccessRequest.id).where(
            AccessRequest.agent_id == agent.id, AccessRequest.carrier_id == carrier.id,
            AccessRequest.status == "open")):
        raise Conflict(f"You already have an open request to {carrier.ccna}.",
                       code="request_open")
    req = AccessRequest(agent_id=agent.id, carrier_id=carrier.id, privileges_csv=_csv(chosen),
                        reason=reason, status="open", requested_at=now,
                        requested_by_id=actor.user_id)
    req.agent, req.carrier = agent, carrier
    session.add(req)
    session.flush()
    audit.record(session, actor, "access.requested", "access_request", req.id, now=now,
                 partner_id=carrier.id, after={"agent": agent.ccna, "carrier": carrier.ccna,
                                               "privileges": chosen, "reason": reason})
    access_notices.notify(session, "access.requested", carrier, agent, now=now, request=req)
    return req


def requests_to(session: Session, carrier_id: int) -> list[AccessRequest]:
    """The carrier's requests: open ones first (oldest first), then the rest newest first."""
    rows = session.scalars(sa.select(AccessRequest).where(
        AccessRequest.carrier_id == carrier_id).order_by(AccessRequest.id)).all()
    return [r for r in rows if r.status == "open"] + [
        r for r in reversed(rows) if r.status != "open"]


def requests_from(session: Session, agent_id: int) -> list[AccessRequest]:
    """The agent's requests, newest first."""
    return list(session.scalars(sa.select(AccessRequest).where(
        AccessRequest.agent_id == agent_id).order_by(AccessRequest.id.desc())))


def request_to(session: Session, carrier_id: int, request_id: int) -> AccessRequest:
    """The carrier's request with this id; anyone else's is not found (404)."""
    req = session.scalar(sa.select(AccessRequest).where(
        AccessRequest.id == request_id, AccessRequest.carrier_id == carrier_id))
    if req is None:
        raise NotFound(f"No access request {request_id} to your company.",
                       code="unknown_request")
    return req


def _still_open(req: AccessRequest) -> None:
    if req.status != "open":
        raise Conflict(f"That request is already {req.status}.", code="request_closed")


def _decide(req: AccessRequest, status: str, note: str | None, *, actor: Actor,
            now: datetime) -> None:
    _still_open(req)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise InvalidInput(f"The note is longer than {NOTE_MAX} characters.",
                           code="invalid_note")
    req.status, req.decided_at, req.decided_by_id, req.decision_note = (
        status, now, actor.user_id, note)


def approve(session: Session, carrier: Partner, req: AccessRequest,
            privileges: list[str] | None, *, actor: Actor, now: datetime,
            note: str | None = None) -> AgentApproval:
    """Approve with the privileges asked for, or fewer (never more): a new approval.
    `privileges` None: as asked; an empty list grants nothing and is refused (decline
    instead), never read as "everything asked"."""
    if req.carrier_id != carrier.id:
        raise NotFound(f"No access request {req.id} to your company.", code="unknown_request")
    _still_open(req)  # a decided request answers so, whatever is ticked
    if privileges is not None and not privileges:
        raise InvalidInput("Tick at least one privilege to approve, or decline the request.",
                           code="invalid_privileges")
    chosen = sorted(req.privileges) if privileges is None else _privileges(privileges)
    extra = sorted(set(chosen) - req.privileges)
    if extra:
        raise InvalidInput(f"The agent did not ask for {', '.join(extra)}: approve what it "
                           "asked for or less.", code="privileges_not_requested")
    _decide(req, "approved", note, actor=actor, now=now)
    audit.record(session, actor, "access.approved", "access_request", req.id, now=now,
                 partner_id=carrier.id, before={"status": "open"},
                 after={"status": "approved", "privileges": chosen, "note": req.decision_note})
    return partners.grant_agent(session, carrier, req.agent, chosen, actor=actor, now=now,
                                request=req)


def decline(session: Session, carrier: Partner, req: AccessRequest, *, actor: Actor,
            now: datetime, note: str | None = None) -> AccessRequest:
    """Decline the request; the agent is told (with the note, if any)."""
    if req.carrier_id != carrier.id:
        raise NotFound(f"No access request {req.id} to your company.", code="unknown_request")
    _decide(req, "declined", note, actor=actor, now=now)
    audit.record(session, actor, "access.declined", "access_request", req.id, now=now,
                 partner_id=carrier.id, before={"status": "open"},
                 after={"status": "declined", "note": req.decision_note})
    access_notices.notify(session, "access.declined", carrier, req.agent, now=now, request=req)
    return req
