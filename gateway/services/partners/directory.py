"""Trading partners: onboarding, SPIDs, suspension, agent approvals and webhooks (§1.1)."""
from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import AccessRequest, AgentApproval, Partner, PartnerSpid
from gateway.models.partners import PARTNER_TYPES, PRIVILEGES, _csv
from gateway.services import audit, policy
from gateway.services.identity.actors import Actor
from gateway.services.outbox.webhook_target import check_url
from gateway.services.partners import access_notices

CCNA_RE = re.compile(r"^[A-Z]{3}$")
SPID_RE = re.compile(r"^[A-Z0-9]{4}$")


def partner_by_ccna(session: Session, ccna: str) -> Partner:
    """Return the partner with this CCNA or raise NotFound."""
    partner = session.scalar(sa.select(Partner).where(Partner.ccna == (ccna or "").upper()))
    if partner is None:
        raise NotFound(f"No trading partner with CCNA {ccna!r}.", code="unknown_partner")
    return partner


def add_partner(session: Session, *, name: str, ccna: str, type: str, spids: list[str],
                actor: Actor, now: datetime, status: str = "active", ocn: str | None = None,
                address: str | None = None, profile: dict | None = None) -> Partner:
    """Create a trading partner (carriers need at least one SPID; agents may have none)."""
    ccna = (ccna or "").strip().upper()
    spids = [s.strip().upper() for s in spids if s and s.strip()]
    if not (name or "").strip():
        raise InvalidInput("--name: a partner needs a name.", code="invalid_partner")
    if not CCNA_RE.match(ccna):
        raise InvalidInput(f"--ccna: {ccna!r} is not 3 letters A-Z.", code="invalid_partner")
    if type not in PARTNER_TYPES:
        raise InvalidInput(f"--type: {type!r} is not one of {', '.join(PARTNER_TYPES)}.",
                           code="invalid_partner")
    bad = [s for s in spids if not SPID_RE.match(s)]
    if bad:
        raise InvalidInput(f"--spid: {bad[0]!r} is not 4 letters or digits.",
                           code="invalid_partner")
    if type != "agent" and not spids:
        raise InvalidInput("--spid: a carrier partner needs at least one SPID.",
                           code="invalid_partner")
    if session.scalar(sa.select(Partner.id).where(Partner.ccna == ccna)):
        raise Conflict(f"CCNA {ccna} is already registered.", code="duplicate_partner")
    taken = session.scalars(sa.select(PartnerSpid.spid).where(PartnerSpid.spid.in_(spids))).all()
    if taken:
        raise Conflict(f"SPID {taken[0]} already belongs to another partner.",
                       code="duplicate_partner")
    partner = Partner(name=name.strip(), ccna=ccna, type=type, status=status, ocn=ocn,
                      address=address, profile=profile, created_at=now,
                      approved_at=now if status == "active" else None)
    partner.spid_rows = [PartnerSpid(spid=s) for s in dict.fromkeys(spids)]
    session.add(partner)
    session.flush()
    audit.record(session, actor, "partner.created", "partner", partner.id, now=now,
                 partner_id=partner.id, after={"ccna": ccna, "type": type, "spids": spids,
                                               "status": status})
    return partner


def set_partner_status(session: Session, partner: Partner, status: str, *, actor: Actor,
                       now: datetime, reason: str | None = None) -> Partner:
    """Approve (active), suspend or reinstate a partner; its history stays."""
    if status not in ("active", "suspended"):
        raise InvalidInput(f"Unknown partner status {status!r}.")
    before = partner.status
    partner.status = status
    if status == "active" and partner.approved_at is None:
        partner.approved_at = now
    audit.record(session, actor, f"partner.{status}", "partner", partner.id, now=now,
                 partner_id=partner.id, before={"status": before}, after={"status": status},
                 details={"reason": reason} if reason else None)
    return partner


def _check_privileges(privileges: list[str] | None) -> list[str]:
    """None: every privilege (the CLI without --privilege); an empty list grants nothing
    and is refused, never read as "everything"."""
    if privileges is not None and not privileges:
        raise InvalidInput(f"Choose what the agent may do: {', '.join(PRIVILEGES)}.",
                           code="invalid_privileges")
    chosen = list(dict.fromkeys(PRIVILEGES if privileges is None else privileges))
    bad = [p for p in chosen if p not in PRIVILEGES]
    if bad:
        raise InvalidInput(f"--privilege: {bad[0]!r} is not one of {', '.join(PRIVILEGES)}.")
    return chosen


def grant_agent(session: Session, carrier: Partner, agent: Partner, privileges: list[str] | None,
                *, actor: Actor, now: datetime,
                request: AccessRequest | None = None) -> AgentApproval:
    """Approve an agent partner to act for a carrier partner with chosen privileges (a new
    approval, replacing any earlier one); both partners are notified (§1.1.2). `privileges`
    None grants every privilege; an empty list is refused (InvalidInput)."""
    if agent.type != "agent":
        raise InvalidInput(f"{agent.ccna} is not an agent partner.", code="not_an_agent")
    if carrier.type == "agent":
        raise InvalidInput(f"{carrier.ccna} is an agent; only carriers approve agents.",
                           code="not_a_carrier")
    chosen = _check_privileges(privileges)
    approval = AgentApproval(carrier_id=carrier.id, agent_id=agent.id, privileges_csv=_csv(chosen),
                             granted_at=now, granted_by_id=actor.user_id)
    session.add(approval)
    session.flush()
    for old in _unrevoked_approvals(session, carrier.id, agent.id):
        if old.id != approval.id:
            old.revoked_at = now
            audit.record(session, actor, "agent.replaced", "agent_approval", old.id, now=now,
                         partner_id=carrier.id, details={"agent": agent.ccna,
                                                         "replaced_by": approval.id})
    if request is not None:
        request.approval_id = approval.id
    audit.record(session, actor, "agent.granted", "agent_approval", approval.id, now=now,
                 partner_id=carrier.id, after={"agent": agent.ccna, "privileges": chosen},
                 details={"request": request.id} if request is not None else None)
    access_notices.notify(session, "access.approved", carrier, agent, now=now,
                          approval=approval, request=request)
    return approval


def revoke_agent(session: Session, carrier: Partner, agent: Partner, *, actor: Actor,
                 now: datetime) -> int:
    """Revoke for good every approval of the agent for the carrier, live or suspended; later
    requests get R104 and a revoked approval never resumes (§1.1.2)."""
    approvals = _unrevoked_approvals(session, carrier.id, agent.id)
    if not approvals:
        raise NotFound(f"{agent.ccna} holds no approval from {carrier.ccna}.",
                       code="no_approval")
    for approval in approvals:
        approval.revoked_at = now
        audit.record(session, actor, "agent.revoked", "agent_approval", approval.id, now=now,
                     partner_id=carrier.id, before={"agent": agent.ccna})
        access_notices.notify(session, "access.revoked", carrier, agent, now=now,
                              approval=approval)
    return len(approvals)


def suspend_agent(session: Session, carrier: Partner, agent: Partner, *, actor: Actor,
                  now: datetime) -> AgentApproval:
    """Suspend the agent's live approval: treated as revoked until resumed (§1.1.2)."""
    approvals = _unrevoked_approvals(session, carrier.id, agent.id)
    live = [a for a in approvals if a.live]
    if not live:
        if approvals:
            raise Conflict(f"{agent.ccna}'s approval from {carrier.ccna} is already suspended.",
                           code="already_suspended")
        raise NotFound(f"{agent.ccna} holds no approval from {carrier.ccna}.",
                       code="no_approval")
    for approval in live:
        approval.suspended_at = now
        audit.record(session, actor, "agent.suspended", "agent_approval", approval.id, now=now,
                     partner_id=carrier.id, before={"status": "live"},
                     after={"status": "suspended", "agent": agent.ccna})
        access_notices.notify(session, "access.suspended", carrier, agent, now=now,
                              approval=approval)
    return live[-1]


def resume_agent(session: Session, carrier: Partner, agent: Partner, *, actor: Actor,
                 now: datetime) -> AgentApproval:
    """Resume a suspended approval with its privileges; a revoked one never resumes."""
    approvals = _unrevoked_approvals(session, carrier.id, agent.id)
    suspended = [a for a in approvals if a.suspended_at is not None]
    if not suspended:
        if approvals:
            raise Conflict(f"{agent.ccna}'s approval from {carrier.ccna} is not suspended.",
                           code="not_suspended")
        raise NotFound(f"{agent.ccna} holds no suspended approval from {carrier.ccna} (a "
                       "revoked approval never resumes: grant a new one).", code="no_approval")
    for approval in suspended:
        approval.suspended_at = None
        audit.record(session, actor, "agent.resumed", "agent_approval", approval.id, now=now,
                     partner_id=carrier.id, before={"status": "suspended"},
                     after={"status": "live", "agent": agent.ccna})
        access_notices.notify(session, "access.resumed", carrier, agent, now=now,
                              approval=approval)
    return suspended[-1]


def _unrevoked_approvals(session: Session, carrier_id: int, agent_id: int
                         ) -> list[AgentApproval]:
    """The pair's approvals that are live or suspended (not revoked), oldest first."""
    return list(session.scalars(sa.select(AgentApproval).where(
        AgentApproval.carrier_id == carrier_id, AgentApproval.agent_id == agent_id,
        AgentApproval.revoked_at.is_(None)).order_by(AgentApproval.id)))


def delegations_for(session: Session, agent_id: int) -> dict[str, frozenset[str]]:
    """Return CCNA -> privileges of the carriers whose approval of this agent is live (one
    query): the same rows as `policy.live_approvals`, keyed by the carrier's CCNA."""
    merged: dict[str, frozenset[str]] = {}
    for _carrier_id, ccna, csv in session.execute(policy.live_approval_rows(agent_id)):
        merged[ccna] = merged.get(ccna, frozenset()) | frozenset(p for p in csv.split(",") if p)
    return merged


def set_webhook(session: Session, partner: Partner, url: str, secret: str | None, *,
                actor: Actor, now: datetime, https_only: bool = False,
                allow_private: bool = False) -> Partner:
    """Set or (with an empty URL) clear the partner's webhook (api-contract §5).

    :raises WebhookUrlNotAllowed: the host does not resolve to global addresses only (§1)."""
    url = (url or "").strip()
    if url:
        check_url(url, allow_private=allow_private, https_only=https_only)
        if not secret:
            raise InvalidInput("--secret: a webhook needs a signing secret.",
                               code="invalid_webhook")
    # changing the URL or secret of a webhook that exists is not setting a new one (§10.1):
    # what is queued goes to the current URL; after a clear, a new webhook starts afresh
    if not (url and partner.webhook_url):
        partner.webhook_set_at = now if url else None
    partner.webhook_url = url or None
    partner.webhook_secret = secret if url else None
    audit.record(session, actor, "partner.webhook_set" if url else "partner.webhook_cleared",
                 "partner", partner.id, now=now, partner_id=partner.id,
                 after={"url": url or None})
    return partner


def acting_owner(session: Session, partner: Partner, ccna: str | None, privilege: str) -> Partner:
    """The partner a request is for: a carrier that approved this agent for the privilege,
    else the sender itself (the rules engine rejects a foreign CCNA with R104)."""
    if not ccna or ccna.upper() == partner.ccna or partner.type != "agent":
        return partner
    if privilege not in delegations_for(session, partner.id).get(ccna.upper(), frozenset()):
        return partner
    return session.scalar(sa.select(Partner).where(Partner.ccna == ccna.upper())) or partner
