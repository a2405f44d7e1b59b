"""The desk's side of escalations (business-rules §8.2): the list, acknowledge and resolve, and
the escalation contacts per state and level (editor and CSV import), every change audited."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import Escalation, EscalationContact, Lsr, Partner, User
from gateway.services import audit, imports
from gateway.services.escalations import ladder as escalations
from gateway.services.identity.actors import Actor
from gateway.services.identity.users import EMAIL_RE

PHONE_RE = re.compile(r"\A[2-9][0-9]{2}[2-9][0-9]{6}\Z")
CONTACT_FIELDS = ("name", "title", "email", "phone", "hours")
FILTERS = ("open", "unacknowledged", "overdue", "acknowledged", "resolved", "all")


def escalation_filter(show: str, now: datetime) -> list[sa.ColumnElement[bool]]:
    """The conditions of one view of the escalation list, also what the desk's tiles count.
    `open` is not yet resolved (waiting or acknowledged); `unacknowledged` is the API's
    status `open` (§8.2, api-contract §4.4); `overdue` waits past its acknowledgement time."""
    waiting = [Escalation.acknowledged_at.is_(None), Escalation.resolved_at.is_(None)]
    conditions: dict[str, list[sa.ColumnElement[bool]]] = {
        "open": [Escalation.resolved_at.is_(None)],
        "unacknowledged": waiting,
        "overdue": [*waiting, Escalation.ack_due_at < now],
        "acknowledged": [Escalation.acknowledged_at.is_not(None),
                         Escalation.resolved_at.is_(None)],
        "resolved": [Escalation.resolved_at.is_not(None)],
        "all": [],
    }
    return conditions.get(show, conditions["open"])


def count_escalations(session: Session, *, show: str, now: datetime,
                      state: str | None = None) -> int:
    """How many escalations `escalation_rows(show=..., state=...)` lists (without its limit)."""
    query = sa.select(sa.func.count()).select_from(Escalation).where(
        *escalation_filter(show, now))
    if state:
        query = query.where(Escalation.state == state.upper())
    return session.scalar(query) or 0


@dataclass
class EscalationRow:
    escalation: Escalation
    pon: str | None
    order_number: str | None
    ccna: str  # the partner that owns the order (or, with no order, that raised it)
    partner_name: str
    raised_by_ccna: str  # the partner whose user raised it: an agent when not the owner
    raised_by_name: str
    contact: str | None
    acknowledged_by: str | None

    @property
    def raised_by_agent(self) -> bool:
        return self.raised_by_ccna != self.ccna


def escalation_rows(session: Session, *, show: str = "open", now: datetime,
                    state: str | None = None, limit: int = 200) -> list[EscalationRow]:
    """Escalations with their order, the order's owner and the partner that raised it, the
    current contact and the acknowledger (one query)."""
    acker, owner, raiser = aliased(User), aliased(Partner), aliased(Partner)
    query = (sa.select(Escalation, Lsr.pon, Lsr.order_number, owner.ccna, owner.name,
                       raiser.ccna, raiser.name, EscalationContact.name, acker.username)
             .join(raiser, raiser.id == Escalation.partner_id)
             .outerjoin(Lsr, Lsr.id == Escalation.lsr_id)
             .join(owner, owner.id == sa.func.coalesce(Lsr.owner_partner_id,
                                                       Escalation.partner_id))
             .outerjoin(EscalationContact, sa.and_(EscalationContact.state == Escalation.state,
                                                   EscalationContact.level == Escalation.level))
             .outerjoin(acker, acker.id == Escalation.acknowledged_by_id))
    query = query.where(*escalation_filter(show, now))
    if state:
        query = query.where(Escalation.state == state.upper())
    order = Escalation.resolved_at.desc() if show == "resolved" else Escalation.ack_due_at
    rows = session.execute(query.order_by(order, Escalation.id).limit(limit)).all()
    return [EscalationRow(*row) for row in rows]


def acknowledge(session: Session, escalation_id: int, *, actor: Actor,
                now: datetime) -> Escalation:
    """Acknowledge an open escalation once (it stops rising); the partner is told."""
    escalation = _locked(session, escalation_id)
    if escalation.acknowledged_at is not None:
        raise Conflict(f"Escalation {escalation.id} was already acknowledged.",
                       code="already_acknowledged")
    return escalations.acknowledge(session, escalation, actor=actor, now=now)


def resolve(session: Session, escalation_id: int, resolution: str, *, actor: Actor,
            now: datetime) -> Escalation:
    """Resolve an escalation with what was done; the partner is told."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput("Say how the escalation was resolved.", code="resolution_required",
                           field="resolution")
    escalation = _locked(session, escalation_id)
    return escalations.acknowledge(session, escalation, actor=actor, now=now,
                                   resolution=resolution[:2000])


def _locked(session: Session, escalation_id: int) -> Escalation:
    """The escalation, its row locked (PostgreSQL) so a double click acts once."""
    escalation = session.get(Escalation, escalation_id, with_for_update=True)
    if escalation is None:
        raise NotFound(f"No escalation {escalation_id}.")
    return escalation


def ladders(session: Session) -> dict[str, list[EscalationContact]]:
    """Every state's escalation levels, in level order (one query)."""
    found: dict[str, list[EscalationContact]] = {}
    for contact in session.scalars(sa.select(EscalationContact).order_by(
            EscalationContact.state, EscalationContact.level)):
        found.setdefault(contact.state, []).append(contact)
    return found


def _clean(values: dict) -> dict:
    cleaned = {k: (values.get(k) or "").strip() for k in CONTACT_FIELDS}
    for key in ("name", "email", "phone", "hours"):
        if not cleaned[key]:
            raise InvalidInput(f"The contact's {key} is required.", code="invalid_contact",
                               field=key)
    if not EMAIL_RE.match(cleaned["email"]):
        raise InvalidInput(f"{cleaned['email']!r} is not an email address.",
                           code="invalid_contact", field="email")
    cleaned["phone"] = re.sub(r"[\s().\-]", "", cleaned["phone"])
    if not PHONE_RE.match(cleaned["phone"]):
        raise InvalidInput("The phone must be a 10-digit NANP number.", code="invalid_contact",
                           field="phone")
    return cleaned


def save_contact(session: Session, state: str, level: int, values: dict, *,
                 states: frozenset[str], actor: Actor, now: datetime) -> EscalationContact:
    """Add the next level of a state's ladder or change an existing level."""
    state = (state or "").upper()
    if state not in states:
        raise InvalidInput(f"{state!r} is not a state the carrier serves.",
                           code="invalid_contact", field="state")
    cleaned = _clean(values)
    current = {c.level: c for c in ladders(session).get(state, [])}
    top = max(current, default=0)
    if not isinstance(level, int) or not 1 <= level <= top + 1:
        raise InvalidInput(f"Levels of {state} run 1 to {top}; add level {top + 1} next.",
                           code="invalid_level", field="level")
    contact = current.get(level)
    before = contact.as_dict() if contact else None
    if contact is None:
        contact = EscalationContact(state=state, level=level, **cleaned)
        session.add(contact)
    else:
        for key, value in cleaned.items():
            setattr(contact, key, value)
    session.flush()
    audit.record(session, actor, "escalation_contact.saved", "escalation_contact",
                 f"{state}-{level}", now=now, before=before, after=contact.as_dict())
    return contact


def remove_contact(session: Session, contact_id: int, *, actor: Actor, now: datetime) -> None:
    """Remove the top level of a state's ladder (lower levels keep the ladder unbroken)."""
    contact = session.get(EscalationContact, contact_id)
    if contact is None:
        raise NotFound(f"No escalation contact {contact_id}.")
    top = session.scalar(sa.select(sa.func.max(EscalationContact.level)).where(
        EscalationContact.state == contact.state))
    if contact.level != top:
        raise Conflict(f"Only the top level of {contact.state} (level {top}) can be removed; "
                       "change a lower level instead.", code="not_top_level")
    waiting = session.scalar(sa.select(sa.func.count()).select_from(Escalation).where(
        Escalation.state == contact.state, Escalation.level == contact.level,
        Escalation.resolved_at.is_(None)))
    if waiting:
        raise Conflict(f"{waiting} open escalation(s) sit at level {contact.level} of "
                       f"{contact.state}; resolve them or change the contact instead.",
                       code="contact_in_use")
    before = contact.as_dict()
    session.delete(contact)
    session.flush()
    audit.record(session, actor, "escalation_contact.removed", "escalation_contact",
                 f"{contact.state}-{contact.level}", now=now, before=before)


def import_contacts(session: Session, path: str, *, states: frozenset[str], actor: Actor,
                    now: datetime, filename: str = "upload.csv") -> int:
    """Load a contacts CSV (api-contract §3.3), replacing the states in it; all or nothing."""
    try:
        count = imports.import_escalations(session, path, states=states)
    except imports.ImportFailed as err:
        raise InvalidInput(err.message.replace(path, filename), code="import_failed",
                           field="file") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise InvalidInput(f"{filename}: not a UTF-8 CSV file ({err.__class__.__name__}); "
                           "nothing imported.", code="import_failed", field="file") from None
    imported = sorted(session.scalars(sa.select(EscalationContact.state).distinct()))
    audit.record(session, actor, "escalation_contacts.imported", "escalation_contacts",
                 filename[:40], now=now, details={"rows": count, "states_now": imported})
    return count
