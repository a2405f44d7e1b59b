"""Notification contacts and contact types (§1.3): the last holder of a type in use stays."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import Contact, User
from gateway.models.partners import CONTACT_TYPES, DEFAULT_NOTIFY_CSV, NOTICE_CATEGORIES, _csv
from gateway.services import audit
from gateway.services.identity.actors import Actor
from gateway.services.identity.users import EMAIL_RE
from validators.phone import PHONE_HINT, phone_ok


def _types(values) -> list[str]:
    chosen = list(dict.fromkeys(values or []))
    bad = [t for t in chosen if t not in CONTACT_TYPES]
    if bad:
        raise InvalidInput(f"Unknown contact type {bad[0]!r}; use {', '.join(CONTACT_TYPES)}.",
                           code="invalid_contact")
    return chosen


def notice_categories(values, code: str = "invalid_contact") -> list[str]:
    """The notice categories chosen (issue 15), checked; any subset, none included."""
    chosen = list(dict.fromkeys(values or []))
    bad = [c for c in chosen if c not in NOTICE_CATEGORIES]
    if bad:
        raise InvalidInput(f"Unknown notice category {bad[0]!r}; use "
                           f"{', '.join(NOTICE_CATEGORIES)}.", code=code, field="notify")
    return sorted(chosen)


def holders(session: Session, partner_id: int) -> dict[str, int]:
    """How many active users and contacts hold each contact type (two queries)."""
    counts = {t: 0 for t in CONTACT_TYPES}
    for csv in session.scalars(sa.select(User.contact_types_csv).where(
            User.partner_id == partner_id, User.disabled_at.is_(None))):
        for t in (csv or "").split(","):
            if t in counts:
                counts[t] += 1
    for csv in session.scalars(sa.select(Contact.types_csv).where(
            Contact.partner_id == partner_id, Contact.removed_at.is_(None))):
        for t in (csv or "").split(","):
            if t in counts:
                counts[t] += 1
    return counts


def _refuse_orphaning(session: Session, partner_id: int, dropped: set[str]) -> None:
    """Refuse when a holder that `holders` counts (an active user, a current contact) would
    drop a type no other counted holder keeps (§1.3)."""
    counts = holders(session, partner_id)
    orphaned = sorted(t for t in dropped if counts.get(t, 0) <= 1)
    if orphaned:
        raise Conflict(f"At least one user or contact must keep the contact type "
                       f"{', '.join(orphaned)}.", code="last_contact")


def add_contact(session: Session, partner_id: int, *, name: str, email: str, phone: str,
                types: list[str], actor: Actor, now: datetime,
                notify: list[str] | None = None) -> Contact:
    """Add a person to notify (name, email and phone required); `notify` (the categories it
    receives of what its types bring) defaults to "as today"."""
    if not (name or "").strip() or not (phone or "").strip():
        raise InvalidInput("A contact needs a name, an email and a phone.",
                           code="invalid_contact")
    if not EMAIL_RE.match(email or ""):
        raise InvalidInput(f"{email!r} is not an email address.", code="invalid_contact")
    if not phone_ok(phone):
        raise InvalidInput(PHONE_HINT, code="invalid_contact", field="phone")
    chosen = DEFAULT_NOTIFY_CSV.split(",") if notify is None else notice_categories(notify)
    contact = Contact(partner_id=partner_id, name=name.strip(), email=email.strip(),
                      phone=phone.strip(), types_csv=_csv(_types(types)),
                      notify_csv=_csv(chosen), created_at=now)
    session.add(contact)
    session.flush()
    audit.record(session, actor, "contact.added", "contact", contact.id, now=now,
                 partner_id=partner_id, after={"name": contact.name, "types": types,
                                               "notify": sorted(contact.notify)})
    return contact


def remove_contact(session: Session, contact: Contact, *, actor: Actor, now: datetime) -> None:
    """Remove a contact unless it is the last holder of a type in use."""
    _refuse_orphaning(session, contact.partner_id, set(contact.types))
    contact.removed_at = now
    audit.record(session, actor, "contact.removed", "contact", contact.id, now=now,
                 partner_id=contact.partner_id, before={"name": contact.name})


def set_user_contact_types(session: Session, user: User, types: list[str], *, actor: Actor,
                           now: datetime) -> User:
    """Give a user the contact types; dropping the last holder of a type is refused. A
    disabled user is not counted as a holder (`holders`), so dropping its types never
    orphans one and is always allowed."""
    chosen = set(_types(types))
    dropped = set(user.contact_types) - chosen
    if dropped and user.partner_id is not None and user.disabled_at is None:
        _refuse_orphaning(session, user.partner_id, dropped)
    before = sorted(user.contact_types)
    user.contact_types_csv = _csv(chosen)
    audit.record(session, actor, "user.contact_types", "user", user.id, now=now,
                 partner_id=user.partner_id, before={"types": before},
                 after={"types": sorted(chosen)})
    return user


def set_user_notify(session: Session, user: User, notify: list[str], *, actor: Actor,
                    now: datetime) -> User:
    """Choose which notice categories the user receives (issue 15), audited."""
    chosen = notice_categories(notify)
    before = sorted(user.notify)
    user.notify_csv = _csv(chosen)
    audit.record(session, actor, "user.notify_changed", "user", user.id, now=now,
                 partner_id=user.partner_id, before={"notify": before},
                 after={"notify": chosen})
    return user


def set_contact_types(session: Session, contact: Contact, types: list[str], *, actor: Actor,
                      now: datetime, notify: list[str] | None = None) -> Contact:
    """Change what a contact is notified about: its contact types and (when given) the notice
    categories it receives; dropping the last holder of a type is refused."""
    chosen = set(_types(types))
    if not chosen:
        raise InvalidInput("A contact needs at least one contact type.", code="invalid_contact")
    categories = sorted(contact.notify) if notify is None else notice_categories(notify)
    dropped = set(contact.types) - chosen
    if dropped:
        _refuse_orphaning(session, contact.partner_id, dropped)
    before = {"types": sorted(contact.types), "notify": sorted(contact.notify)}
    contact.types_csv, contact.notify_csv = _csv(chosen), _csv(categories)
    audit.record(session, actor, "contact.types_changed", "contact", contact.id, now=now,
                 partner_id=contact.partner_id, before=before,
                 after={"types": sorted(chosen), "notify": categories})
    return contact


def partner_contacts(session: Session, partner_id: int) -> list[Contact]:
    """The partner's current contacts (removed ones are kept for audit but not listed)."""
    return list(session.scalars(sa.select(Contact).where(
        Contact.partner_id == partner_id, Contact.removed_at.is_(None)).order_by(Contact.name)))


def partner_contact(session: Session, partner_id: int, contact_id: int) -> Contact:
    """The partner's contact with this id; another partner's is not found (404)."""
    contact = session.scalar(sa.select(Contact).where(
        Contact.id == contact_id, Contact.partner_id == partner_id,
        Contact.removed_at.is_(None)))
    if contact is None:
        raise NotFound(f"No contact {contact_id} in your company.", code="unknown_contact")
    return contact
