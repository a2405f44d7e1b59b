"""Partner onboarding from a Trading Partner Profile (business-rules §1.1): pending -> approved
-> administrator logins created and sent; suspension and reinstatement."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import AuditEvent, Partner, User
from gateway.models.partners import CONTACT_TYPES
from gateway.services import audit
from gateway.services.identity import users
from gateway.services.identity.actors import Actor
from gateway.services.outbox import notices
from gateway.services.partners import contacts
from gateway.services.partners import directory as partners
from validators.calendar import add_business_days
from validators.carrier_profile import CarrierProfile

WELCOME_LINK_HOURS = 72
MAX_ADMINS = 4
OCN_RE = re.compile(r"\A[A-Z0-9]{4}\Z")
PHONE_RE = re.compile(r"\A[2-9][0-9]{2}[2-9][0-9]{6}\Z")
ZIP_RE = re.compile(r"\A[0-9]{5}(-[0-9]{4})?\Z")
STATE_RE = re.compile(r"\A[A-Z]{2}\Z")
LinkFor = Callable[[str], str]  # token -> absolute URL of the password-set page


@dataclass(frozen=True)
class AdminEntry:
    """An administrator named on the profile; the login is created on approval."""

    name: str
    username: str
    email: str
    phone: str


@dataclass(frozen=True)
class TradingPartnerProfile:
    """The Trading Partner Profile a company sends to be set up (§1.1)."""

    name: str
    ccna: str
    type: str
    spids: list[str]
    ocn: str | None
    street: str
    city: str
    state: str
    zip: str
    admins: list[AdminEntry] = field(default_factory=list)
    received_on: date | None = None
    notes: str = ""


def _bad(message: str, field_name: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_profile", field=field_name)


def _check_address(tpp: TradingPartnerProfile) -> None:
    if not tpp.street.strip() or not tpp.city.strip():
        raise _bad("The company address needs a street and a city.", "street")
    if not STATE_RE.match(tpp.state):
        raise _bad(f"State {tpp.state!r} is not a 2-letter state code.", "state")
    if not ZIP_RE.match(tpp.zip):
        raise _bad(f"ZIP {tpp.zip!r} is not 5 digits or ZIP+4.", "zip")


def _check_admins(session: Session, admins: list[AdminEntry]) -> None:
    if not admins:
        raise _bad("Name at least one administrator (two are recommended).", "admin1_name")
    if len(admins) > MAX_ADMINS:
        raise _bad(f"At most {MAX_ADMINS} administrators.", "admin1_name")
    for n, admin in enumerate(admins, start=1):
        if not admin.name.strip():
            raise _bad(f"Administrator {n} needs a name.", f"admin{n}_name")
        if not users.USERNAME_RE.match(admin.username):
            raise _bad(f"Username {admin.username!r} must be 3-80 letters, digits or ._@-.",
                       f"admin{n}_username")
        if not users.EMAIL_RE.match(admin.email):
            raise _bad(f"{admin.email!r} is not an email address.", f"admin{n}_email")
        if not PHONE_RE.match(admin.phone):
            raise _bad(f"Phone {admin.phone!r} is not a 10-digit NANP number.", f"admin{n}_phone")
    names = [a.username for a in admins]
    if len(set(names)) != len(names):
        raise _bad("Each administrator needs a username of their own.", "admin2_username")
    taken = session.scalars(sa.select(User.username).where(User.username.in_(names))).all()
    if taken:
        n = names.index(taken[0]) + 1
        raise _bad(f"Username {taken[0]!r} is taken.", f"admin{n}_username")


def submit_profile(session: Session, tpp: TradingPartnerProfile, *, actor: Actor,
                   now: datetime) -> Partner:
    """Record the profile as a pending partner; no one can log in until it is approved."""
    ocn = (tpp.ocn or "").strip().upper() or None
    if tpp.type != "agent" and ocn is None:
        raise _bad("A carrier's profile needs its OCN (4 letters or digits).", "ocn")
    if ocn is not None and not OCN_RE.match(ocn):
        raise _bad(f"OCN {ocn!r} is not 4 letters or digits.", "ocn")
    _check_address(tpp)
    _check_admins(session, tpp.admins)
    received = tpp.received_on or now.date()
    if received > now.date():
        raise _bad("The profile cannot be received in the future.", "received_on")
    record = {**asdict(tpp), "ocn": ocn, "received_on": received.isoformat(),
              "admins": [asdict(a) for a in tpp.admins]}
    address = f"{tpp.street.strip()}, {tpp.city.strip()}, {tpp.state} {tpp.zip}"
    return partners.add_partner(session, name=tpp.name, ccna=tpp.ccna, type=tpp.type,
                                spids=tpp.spids, actor=actor, now=now, status="pending",
                                ocn=ocn, address=address, profile=record)


def access_due(partner: Partner, profile: CarrierProfile) -> date | None:
    """Access is set up within 3 business days of the profile's receipt (§1.1)."""
    received = (partner.profile or {}).get("received_on")
    start = date.fromisoformat(received) if received else partner.created_at.date()
    return add_business_days(start, profile.onboarding_business_days, profile)


def approve(session: Session, partner: Partner, *, actor: Actor, now: datetime, secret: str,
            link_for: LinkFor, carrier_name: str) -> list[User]:
    """Approve a pending partner: activate it, create its administrators' logins, send them."""
    session.refresh(partner, with_for_update=True)  # two approvals of one profile: one wins
    if partner.status != "pending":
        raise Conflict(f"{partner.ccna} is {partner.status}; only a pending profile is approved.",
                       code="not_pending")
    admins = [AdminEntry(**a) for a in (partner.profile or {}).get("admins", [])]
    _check_admins(session, admins)
    try:
        with session.begin_nested():
            created = [_create_admin(session, partner, admin, actor=actor, now=now)
                       for admin in admins]
    except IntegrityError:  # a concurrent approval created them first (SQLite has no row lock)
        raise Conflict(f"{partner.ccna} was approved meanwhile.", code="not_pending") from None
    partners.set_partner_status(session, partner, "active", actor=actor, now=now)
    for user in created:
        send_welcome(session, user, actor=actor, now=now, secret=secret, link_for=link_for,
                     carrier_name=carrier_name)
    return created


def _create_admin(session: Session, partner: Partner, admin: AdminEntry, *, actor: Actor,
                  now: datetime) -> User:
    """A partner administrator with every privilege and contact type; the password is random
    and never shown (the welcome link sets it)."""
    user = users.add_user(session, username=admin.username, email=admin.email,
                          password=secrets.token_urlsafe(32), role="partner_admin",
                          partner=partner, privileges=None, actor=actor, now=now,
                          enforce_policy=False, full_name=admin.name, phone=admin.phone)
    contacts.set_user_contact_types(session, user, list(CONTACT_TYPES), actor=actor, now=now)
    return user


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _sign(secret: str, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), b"portgate.welcome." + payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def welcome_token(user: User, *, secret: str, now: datetime) -> str:
    """A one-time link token: it dies when the password is set or a newer link is sent."""
    expires = int((now + timedelta(hours=WELCOME_LINK_HOURS)).timestamp())
    body = json.dumps({"u": user.id, "v": user.session_version, "p": _fingerprint(user),
                       "e": expires}, separators=(",", ":")).encode()
    encoded = base64.urlsafe_b64encode(body).decode().rstrip("=")
    return f"{encoded}.{_sign(secret, encoded.encode())}"


def user_for_token(session: Session, token: str, *, secret: str, now: datetime) -> User:
    """Return the user a valid, unexpired, unused link names, else raise InvalidInput."""
    invalid = InvalidInput("This link is not valid: it was used, replaced by a newer one or has "
                           "expired. Ask the LNP desk for a new link.", code="invalid_link")
    encoded, _, signature = (token or "").partition(".")
    # compared as bytes: compare_digest refuses text that is not ASCII (a crafted link: a 500)
    if not encoded or not hmac.compare_digest(signature.encode(),
                                              _sign(secret, encoded.encode()).encode()):
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        user = session.get(User, int(data["u"]))
    except (ValueError, KeyError, TypeError):
        raise invalid from None
    if user is None or user.session_version != data.get("v") or not user.active \
            or _fingerprint(user) != data.get("p") or now.timestamp() > data.get("e", 0):
        raise invalid
    return user


def set_password_from_link(session: Session, token: str, password: str, *, secret: str,
                           now: datetime, ip: str | None = None) -> User:
    """Set the password a welcome link allows (the policy applies); the link then dies."""
    user = user_for_token(session, token, secret=secret, now=now)
    users.set_password(session, user, password, actor=Actor.from_user(user, ip), now=now)
    user.failed_logins, user.locked_until = 0, None
    return user


def send_welcome(session: Session, user: User, *, actor: Actor, now: datetime, secret: str,
                 link_for: LinkFor, carrier_name: str) -> None:
    """Write the login notice to the outbox: username and a one-time password-set link."""
    if user.partner is None or not user.active:
        raise Conflict(f"{user.username} cannot sign in (disabled, staff or partner not active).",
                       code="not_sendable")
    link = link_for(welcome_token(user, secret=secret, now=now))
    partner = user.partner
    notices.emit(session, "partner.welcome", None,
                 {"user": user.username, "partner": partner.ccna}, now=now, emails=[user.email],
                 subject=f"Your Portgate login for {carrier_name} port-outs",
                 body=(f"Hello,\n\n{carrier_name} has set up {partner.name} ({partner.ccna}) on "
                       f"Portgate, its port-out gateway. Your username is {user.username}.\n\n"
                       f"Choose your password within {WELCOME_LINK_HOURS} hours with this "
                       f"one-time link:\n{link}\n\nThe link works once. If it has expired, ask "
                       f"the {carrier_name} LNP desk for a new one."))
    audit.record(session, actor, "user.welcome_sent", "user", user.id, now=now,
                 partner_id=partner.id, details={"email": user.email,
                                                 "link_hours": WELCOME_LINK_HOURS})


def resend_welcome(session: Session, user: User, *, actor: Actor, now: datetime, secret: str,
                   link_for: LinkFor, carrier_name: str) -> None:
    """Send a new link; earlier links (and any open sessions of the user) stop working."""
    user.session_version += 1
    send_welcome(session, user, actor=actor, now=now, secret=secret, link_for=link_for,
                 carrier_name=carrier_name)


def change_status(session: Session, partner: Partner, action: str, reason: str, *,
                  actor: Actor, now: datetime) -> Partner:
    """Suspend an active partner or reinstate a suspended one, with a reason; admins are told."""
    wanted = {"suspend": ("active", "suspended"), "reinstate": ("suspended", "active")}
    if action not in wanted:
        raise InvalidInput(f"Unknown action {action!r}.", code="invalid_action")
    before, after = wanted[action]
    if partner.status != before:
        raise Conflict(f"{partner.ccna} is {partner.status}; only a {before} partner can be "
                       f"{'suspended' if action == 'suspend' else 'reinstated'}.",
                       code="invalid_status")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason (it is kept in the audit trail).",
                           code="reason_required", field="reason")
    partners.set_partner_status(session, partner, after, actor=actor, now=now,
                                reason=reason[:500])
    admins = session.scalars(sa.select(User.email).where(
        User.partner_id == partner.id, User.role == "partner_admin",
        User.disabled_at.is_(None))).all()
    word = "suspended" if after == "suspended" else "reinstated"
    notices.emit(session, f"partner.{word}", None, {"partner": partner.ccna, "status": after},
                 now=now, emails=sorted(set(admins)),
                 subject=f"Portgate access {word}: {partner.name} ({partner.ccna})",
                 body=(f"Portgate access for {partner.name} ({partner.ccna}) is {word}. "
                       f"Reason: {reason[:500]}"
                       + (" Your users cannot sign in or call the API until it is reinstated; "
                          "your orders and history are kept." if after == "suspended" else "")))
    return partner


_PARTNER_EVENTS = ("user.created", "user.welcome_sent", "user.disabled", "user.password_changed")


def partner_list(session: Session, *, status: str | None = None) -> list[tuple[Partner, int]]:
    """Partners (pending first, then by name) with their number of users (one query)."""
    users_of = (sa.select(User.partner_id, sa.func.count().label("n"))
                .group_by(User.partner_id).subquery())
    query = (sa.select(Partner, sa.func.coalesce(users_of.c.n, 0))
             .outerjoin(users_of, users_of.c.partner_id == Partner.id)
             .order_by(sa.case((Partner.status == "pending", 0), else_=1), Partner.name))
    if status:
        query = query.where(Partner.status == status)
    return [tuple(row) for row in session.execute(query)]


def partner_detail(session: Session, partner_id: int) -> tuple[Partner, list[User], list]:
    """A partner, its users and its latest audit events."""
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"No partner {partner_id}.")
    members = list(session.scalars(sa.select(User).where(User.partner_id == partner_id)
                                   .order_by(User.role, User.username)))
    events = list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.partner_id == partner_id,
        sa.or_(AuditEvent.action.like("partner.%"), AuditEvent.action.in_(_PARTNER_EVENTS)))
        .order_by(AuditEvent.id.desc()).limit(20)))
    return partner, members, events
