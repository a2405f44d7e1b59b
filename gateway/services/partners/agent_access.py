"""Agent access (business-rules §1.1): a carrier's administrator approves an agent company to act
for it with chosen privileges, sees what it did, and revokes the approval."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import AgentApproval, AuditEvent, CsrRequest, Lsr, Partner, User
from gateway.services.identity.actors import Actor
from gateway.services.partners import directory as partners


def approvals_given(session: Session, carrier_id: int) -> list[AgentApproval]:
    """Every approval the carrier gave, live ones first, newest first."""
    return list(session.scalars(sa.select(AgentApproval).where(
        AgentApproval.carrier_id == carrier_id).order_by(
        AgentApproval.revoked_at.is_not(None), AgentApproval.id.desc())))


def approvals_held(session: Session, agent_id: int) -> list[AgentApproval]:
    """The live approvals carriers gave this agent (what the agent may do for whom)."""
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


@dataclass
class Activity:
    lsrs: list
    csr_requests: list
    events: list


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
    return Activity(list(lsrs), list(csrs), list(events))
