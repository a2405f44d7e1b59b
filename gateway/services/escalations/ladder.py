"""Escalations by state and level (business-rules §8.2)."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import Account, Escalation, EscalationContact, Lsr, Partner
from gateway.models.escalations import ESCALATION_REASONS
from gateway.services import audit
from gateway.services.identity.actors import SYSTEM as SYSTEM_ACTOR
from gateway.services.identity.actors import Actor
from gateway.services.outbox import notices
from gateway.services.policy import agent_notified
from gateway.services.serialize import iso
from validators.calendar import add_business_hours
from validators.carrier_profile import CarrierProfile

FUTURE_SLACK = timedelta(minutes=5)  # clocks differ a little; a later start is a typo


def contacts_for_state(session: Session, state: str) -> list[EscalationContact]:
    return list(session.scalars(sa.select(EscalationContact).where(
        EscalationContact.state == (state or "").upper()).order_by(EscalationContact.level)))


def contact_at(session: Session, state: str, level: int) -> EscalationContact | None:
    return session.scalar(sa.select(EscalationContact).where(
        EscalationContact.state == state, EscalationContact.level == level))


def escalate_order(session: Session, lsr: Lsr, *, reason: str, text: str, actor: Actor,
                   now: datetime, profile: CarrierProfile, partner_ticket: str | None = None,
                   problem_started_at: datetime | None = None,
                   ) -> tuple[Escalation, EscalationContact | None]:
    """Raise an escalation on an order at level 1 of its state's ladder, with the partner's
    own ticket number and the time the problem started when it gives them."""
    ticket = (partner_ticket or "").strip()[:40] or None
    if problem_started_at is not None and problem_started_at > now + FUTURE_SLACK:
        raise InvalidInput("problem_started_at is in the future.", code="bad_request",
                           fields={"problem_started_at": "not after now"})
    if reason not in ESCALATION_REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(ESCALATION_REASONS)}.",
                           code="invalid_reason")
    state = _order_state(session, lsr) or ""
    if state not in profile.states:
        raise Conflict("The order's state is not known; call the LNP desk.",  # not the body's
                       code="unknown_state")
    escalation = Escalation(lsr_id=lsr.id, partner_id=actor.partner_id or lsr.owner_partner_id,
                            user_id=actor.user_id, state=state, reason=reason,
                            text=(text or "")[:2000], level=1, created_at=now,
                            partner_ticket=ticket, problem_started_at=problem_started_at,
                            ack_due_at=add_business_hours(
                                now, profile.escalation_ack_business_hours, state, profile))
    session.add(escalation)
    session.flush()
    contact = contact_at(session, state, 1)
    audit.record(session, actor, "escalation.raised", "escalation", escalation.id, now=now,
                 partner_id=lsr.owner_partner_id,
                 after={"lsr": lsr.id, "reason": reason, "level": 1,
                        "partner_ticket": ticket, "problem_started_at": iso(problem_started_at)})
    _notify(session, "escalation.raised", escalation, contact, now=now,
            subject=f"Escalation: PON {lsr.pon} ({reason})",
            body=f"{reason} on PON {lsr.pon} (order {lsr.order_number})"
                 + (f", partner ticket {ticket}" if ticket else "")
                 + (f", problem since {iso(problem_started_at)}" if problem_started_at else "")
                 + f": {text}")
    return escalation, contact


def _notify(session: Session, event: str, escalation: Escalation,
            contact: EscalationContact | None, *, now: datetime, subject: str,
            body: str) -> None:
    """One escalation step as its own notice (business-rules §10.3): to the order's owner (its
    `escalation` contacts and webhook) and to the contact of the level concerned by email; for
    an order an agent sent, to the agent too while `policy.agent_notified` says so (its
    contacts and webhook; the level's contact is emailed once, with the owner's). The data is
    the escalation body (api-contract §4.4)."""
    lsr = session.get(Lsr, escalation.lsr_id) if escalation.lsr_id else None
    partner = session.get(Partner, lsr.owner_partner_id if lsr else escalation.partner_id)
    data = _body(escalation, contact)
    notices.emit(session, event, partner, data, now=now, lsr_id=escalation.lsr_id,
                 emails=[contact.email] if contact else [], subject=subject, body=body)
    agent_id = agent_notified(session, lsr) if lsr is not None else None
    if agent_id is not None:
        notices.emit(session, event, session.get(Partner, agent_id), data, now=now,
                     lsr_id=escalation.lsr_id, subject=subject, body=body)


def _order_state(session: Session, lsr: Lsr) -> str | None:
    """The state whose ladder takes the order's escalations: the one its FOC or review kept,
    else its matched account's service address (a rejected order keeps none: "reject
    disputed" is raised on those), else the end user's address as sent."""
    if lsr.state:
        return lsr.state
    if lsr.account_number:
        state = session.scalar(sa.select(Account.state).where(
            Account.account_number == lsr.account_number))
        if state:
            return state
    return _state_from_payload(lsr)


def _state_from_payload(lsr: Lsr) -> str | None:
    eu = lsr.payload.get("eu") if isinstance(lsr.payload, dict) else None
    state = eu.get("state") if isinstance(eu, dict) else None
    return state.upper() if isinstance(state, str) else None


def _ladders(session: Session, states: set[str]) -> dict[str, dict[int, EscalationContact]]:
    """state -> level -> contact, for the states given (one query)."""
    ladders: dict[str, dict[int, EscalationContact]] = {}
    if states:
        for contact in session.scalars(sa.select(EscalationContact).where(
                EscalationContact.state.in_(states))):
            ladders.setdefault(contact.state, {})[contact.level] = contact
    return ladders


def rise_overdue(session: Session, *, now: datetime, profile: CarrierProfile) -> int:
    """Move unacknowledged escalations past their due time up the ladder (§8.2)."""
    overdue = session.scalars(sa.select(Escalation).where(
        Escalation.acknowledged_at.is_(None), Escalation.resolved_at.is_(None),
        Escalation.ack_due_at <= now)).all()
    if not overdue:
        return 0
    ladders = _ladders(session, {e.state for e in overdue})
    risen = 0
    for escalation in overdue:
        ladder = ladders.get(escalation.state, {})
        while escalation.ack_due_at <= now and escalation.level + 1 in ladder:
            escalation.level += 1
            escalation.ack_due_at = add_business_hours(
                escalation.ack_due_at, profile.escalation_ack_business_hours, escalation.state,
                profile)
            contact = ladder[escalation.level]
            audit.record(session, SYSTEM_ACTOR, "escalation.risen", "escalation", escalation.id,
                         now=now, partner_id=escalation.partner_id,
                         after={"level": escalation.level, "contact": contact.name})
            _notify(session, "escalation.risen", escalation, contact, now=now,
                    subject=f"Escalation {escalation.id} rose to level {escalation.level}",
                    body=f"Escalation {escalation.id} ({escalation.reason}) was not "
                         f"acknowledged in time and now reaches {contact.name}.")
            risen += 1
    return risen


def acknowledge(session: Session, escalation: Escalation, *, actor: Actor, now: datetime,
                resolution: str | None = None, text: str | None = None) -> Escalation:
    """Staff acknowledge (and optionally resolve) an escalation; it stops rising. `text`: what
    the desk says with an acknowledgement (audited and told to the partner)."""
    if escalation.resolved_at is not None:
        raise Conflict(f"Escalation {escalation.id} is already resolved.",
                       code="already_resolved")
    if resolution is None and escalation.acknowledged_at is not None:
        return escalation  # acknowledged once; nothing changes
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at, escalation.acknowledged_by_id = now, actor.user_id
    if resolution is not None:
        escalation.resolved_at, escalation.resolution = now, resolution[:2000]
    step = "resolved" if resolution is not None else "acknowledged"
    said = (text or "").strip()[:2000] if resolution is None else ""
    audit.record(session, actor, f"escalation.{step}", "escalation", escalation.id, now=now,
                 partner_id=escalation.partner_id, after={"level": escalation.level},
                 details={"text": said} if said else None)
    _notify(session, f"escalation.{step}", escalation,
            contact_at(session, escalation.state, escalation.level), now=now,
            subject=f"Escalation {escalation.id} {step}",
            body=f"The LNP desk {step} escalation {escalation.id}."
                 + (f" Resolution: {escalation.resolution}" if resolution is not None else "")
                 + (f" {said}" if said else ""))
    return escalation


def escalation_bodies(session: Session, escalations: list[Escalation]) -> list[dict]:
    """Escalations as the API shows them, each with the contact of its current level (the
    contacts of every state involved in one query)."""
    ladders = _ladders(session, {e.state for e in escalations})
    return [_body(e, ladders.get(e.state, {}).get(e.level)) for e in escalations]


def escalation_status(escalation: Escalation) -> str:
    """open | acknowledged | resolved (api-contract §4.4)."""
    if escalation.resolved_at is not None:
        return "resolved"
    return "acknowledged" if escalation.acknowledged_at is not None else "open"


def _body(e: Escalation, contact: EscalationContact | None) -> dict:
    return {"id": e.id, "lsr_id": e.lsr_id, "state": e.state, "reason": e.reason,
            "text": e.text, "level": e.level, "status": escalation_status(e),
            "created_at": iso(e.created_at), "ack_due_at": iso(e.ack_due_at),
            "acknowledged_at": iso(e.acknowledged_at), "resolved_at": iso(e.resolved_at),
            "resolution": e.resolution, "contact": contact.as_dict() if contact else None,
            "partner_ticket": e.partner_ticket, "problem_started_at": iso(e.problem_started_at)}


def escalation_body(session: Session, escalation: Escalation) -> dict:
    """One escalation as the API shows it."""
    return escalation_bodies(session, [escalation])[0]


def escalations_of_order(session: Session, lsr_id: int) -> list[Escalation]:
    return list(session.scalars(sa.select(Escalation).where(Escalation.lsr_id == lsr_id)
                                .order_by(Escalation.id)))


def list_escalations(session: Session, *, state: str | None = None, open_only: bool = True,
                     limit: int = 200) -> list[Escalation]:
    """Escalations for staff, soonest acknowledgement due first."""
    query = sa.select(Escalation).order_by(Escalation.ack_due_at).limit(limit)
    if open_only:
        query = query.where(Escalation.resolved_at.is_(None))
    if state:
        query = query.where(Escalation.state == state.upper())
    return list(session.scalars(query))


def get_escalation(session: Session, escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound(f"No escalation {escalation_id}.")
    return escalation
