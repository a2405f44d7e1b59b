"""Agent access (business-rules §1.1): a carrier's administrator approves an agent company to act
for it with chosen privileges, sees what it did, and revokes the approval."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import AccessRequest, AgentApproval, AuditEvent, CsrRequest, Lsr, Partner, User
from gateway.services.identity.actors import Actor
from gateway.services.partners import directory as partners


def approvals_given(session: Session, carrier_id: int) -> list[AgentApproval]:
    """Every approval the carrier gave, live and suspended ones first, newest first."""
    return list(session.scalars(sa.select(AgentApproval).where(
        AgentApproval.carrier_id == carrier_id).order_by(
        AgentApproval.revoked_at.is_not(None), AgentApproval.id.desc())))


def approvals_held(session: Session, agent_id: int) -> list[AgentApproval]:
    """The approvals carriers gave this agent and did not revoke (live or suspended)."""
    return list(session.scalars(sa.select(AgentApproval).where(
        AgentApproval.agent_id == agent_id, AgentApproval.revoked_at.is_(None))
        .order_by(AgentApproval.id)))


def grant(session: Session, carrier: Partner, agent_ccna: str, privileges: list[str], *,
          actor: Actor, now: datetime) -> AgentApproval:
    """Approve the agent named by CCNA (an active agent partner) with the chosen privileges."""
    if carrier.is_agent:
        raise Conflict("Agent companies cannot approve other agents.", code="not_a_carrier")
    if not privileges:
        raise InvalidInput("Choose what the agent may do: csr, lsr, view.",
                           code="invalid_privileges")
    agent = session.scalar(sa.select(Partner).where(
        Partner.ccna == (agent_ccna or "").strip().upper()))
    if agent is None or agent.type != "agent" or agent.status != "active":
        raise NotFound(f"No active agent company has the CCNA {agent_ccna.upper()!r}.",
                       code="unknown_agent")
    return partners.grant_agent(session, carrier, agent, privileges, actor=actor, now=now)


def approval_of(session: Session, carrier_id: int, approval_id: int) -> AgentApproval:
    row = session.scalar(sa.select(AgentApproval).where(
        AgentApproval.id == approval_id, AgentApproval.carrier_id == carrier_id))
    if row is None:
        raise NotFound(f"No approval {approval_id} from your company.", code="no_approval")
    return row


def revoke(session: Session, carrier: Partner, approval: AgentApproval, *, actor: Actor,
           now: datetime) -> int:
    """Revoke the agent's approval at once: its later requests are refused R104."""
    if approval.revoked_at is not None:
        raise Conflict("That approval is already revoked.", code="already_revoked")
    return partners.revoke_agent(session, carrier, approval.agent, actor=actor, now=now)


def suspend(session: Session, carrier: Partner, approval: AgentApproval, *, actor: Actor,
            now: datetime) -> AgentApproval:
    """Suspend the approval: treated as revoked (R104, orders hidden) until resumed."""
    if approval.revoked_at is not None:
        raise Conflict("That approval is revoked.", code="already_revoked")
    return partners.suspend_agent(session, carrier, approval.agent, actor=actor, now=now)


def resume(session: Session, carrier: Partner, approval: AgentApproval, *, actor: Actor,
           now: datetime) -> AgentApproval:
    """Resume a suspended approval (a revoked one never resumes)."""
    if approval.revoked_at is not None:
        raise Conflict("A revoked approval never resumes: approve the agent again.",
                       code="already_revoked")
    return partners.resume_agent(session, carrier, approval.agent, actor=actor, now=now)


@dataclass
class Activity:
    lsrs: list
    csr_requests: list
    events: list
    access_steps: list  # every access step between the two (§1.1.2), oldest first


def activity(session: Session, carrier_id: int, agent_id: int, *, limit: int = 100) -> Activity:
    """What the agent did for the carrier: its orders, CSR requests and audited actions."""
    lsrs = session.scalars(sa.select(Lsr).where(
        Lsr.owner_partner_id == carrier_id, Lsr.submitter_partner_id == agent_id)
        .order_by(Lsr.id.desc()).limit(limit)).all()
    csrs = session.scalars(sa.select(CsrRequest).where(
        CsrRequest.owner_partner_id == carrier_id, CsrRequest.partner_id == agent_id)
        .order_by(CsrRequest.id.desc()).limit(limit)).all()
    agent_user = aliased(User)
    events = session.scalars(sa.select(AuditEvent).join(
        agent_user, agent_user.id == AuditEvent.actor_user_id).where(
        AuditEvent.partner_id == carrier_id, agent_user.partner_id == agent_id)
        .order_by(AuditEvent.id.desc()).limit(limit)).all()
    return Activity(list(lsrs), list(csrs), list(events),
                    access_steps(session, carrier_id, agent_id))


def access_steps(session: Session, carrier_id: int, agent_id: int) -> list[AuditEvent]:
    """The audited access steps between the carrier and the agent: requests, approvals,
    declines, suspensions, resumptions, revocations (one query)."""
    approval_ids = sa.select(sa.cast(AgentApproval.id, sa.String)).where(
        AgentApproval.carrier_id == carrier_id, AgentApproval.agent_id == agent_id)
    request_ids = sa.select(sa.cast(AccessRequest.id, sa.String)).where(
        AccessRequest.carrier_id == carrier_id, AccessRequest.agent_id == agent_id)
    return list(session.scalars(sa.select(AuditEvent).where(sa.or_(
        sa.and_(AuditEvent.object_type == "agent_approval",
                AuditEvent.object_id.in_(approval_ids)),
        sa.and_(AuditEvent.object_type == "access_request",
                AuditEvent.object_id.in_(request_ids)))).order_by(AuditEvent.id)))
