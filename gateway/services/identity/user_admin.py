"""Partner administration of users (§1.3) and every user's own profile, scoped to one partner."""
from __future__ import annotations

import secrets
import string
from datetime import datetime
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import Partner, Role, User
from gateway.models.partners import DEFAULT_NOTIFY_CSV, PARTNER_ROLES, PRIVILEGES, _csv
from gateway.platform.security import hash_password, password_problems, verify_password
from gateway.services import audit
from gateway.services.identity import users
from gateway.services.identity.actors import Actor
from gateway.services.partners import contacts


def partner_users(session: Session, partner_id: int) -> list[User]:
    """Every user of the partner, disabled ones included (kept for audit), by username."""
    return list(session.scalars(sa.select(User).where(User.partner_id == partner_id)
                                .order_by(User.disabled_at.is_not(None), User.username)))


def partner_user(session: Session, partner_id: int, user_id: int) -> User:
    """The partner's user with this id; another partner's user is not found (404)."""
    user = session.scalar(sa.select(User).where(User.id == user_id,
                                                User.partner_id == partner_id))
    if user is None:
        raise NotFound(f"No user {user_id} in your company.", code="unknown_user")
    return user


def partner_role(session: Session, partner_id: int, role_id: int | None) -> Role | None:
    if not role_id:
        return None
    role = session.scalar(sa.select(Role).where(Role.id == role_id,
                                                Role.partner_id == partner_id))
    if role is None:
        raise NotFound("No such named role in your company.", code="unknown_role")
    return role


def temporary_password(username: str) -> str:
    """A random password that meets the policy (four character classes, 16 characters), drawn
    again while it happens to contain the username (the policy refuses that: CI once drew
    "sam" inside sam's password, about one draw in 3,000)."""
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "-_!#%+=")
    every, shuffle = "".join(classes), secrets.SystemRandom().shuffle
    while True:
        chars = [secrets.choice(c) for c in classes]
        chars += [secrets.choice(every) for _ in range(12)]
        shuffle(chars)
        password = "".join(chars)
        if not password_problems(password, username):
            return password


def create_user(session: Session, partner: Partner, *, username: str, email: str, role: str,
                privileges: list[str], role_id: int | None, contact_types: list[str],
                actor: Actor, now: datetime, full_name: str | None = None,
                phone: str | None = None, notify: list[str] | None = None) -> tuple[User, str]:
    """Create a user of the partner; return it and its temporary password (shown once).
    `notify` (the notice categories it receives, issue 15) defaults to "as today"."""
    if role not in PARTNER_ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(PARTNER_ROLES)}.",
                           code="invalid_user")
    named = partner_role(session, partner.id, role_id)
    if named is None and not privileges:  # never a silent `view`
        raise InvalidInput("Tick at least one privilege, or choose a named role.",
                           code="invalid_user", field="privileges")
    username = (username or "").strip()
    password = temporary_password(username)
    user = users.add_user(session, username=username,
                          email=(email or "").strip(), password=password, role=role,
                          partner=partner, privileges=list(named.privileges) if named
                          else privileges, actor=actor, now=now, role_obj=named,
                          full_name=full_name, phone=phone)
    user.must_change_password = True  # an administrator chose it: temporary (§1.3.1)
    if contact_types:
        contacts.set_user_contact_types(session, user, contact_types, actor=actor, now=now)
    if notify is not None and set(notify) != set(DEFAULT_NOTIFY_CSV.split(",")):
        contacts.set_user_notify(session, user, notify, actor=actor, now=now)
    return user, password


def _refuse_last_admin(session: Session, user: User, why: str) -> None:
    admins = session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.partner_id == user.partner_id, User.role == "partner_admin",
        User.disabled_at.is_(None), User.id != user.id))
    if user.role == "partner_admin" and not admins:
        raise Conflict(f"{user.username} is your company's last active administrator; {why}",
                       code="last_admin")


def _checked_access(session: Session, user: User, *, email: str, role: str,
                    privileges: list[str], role_id: int | None) -> tuple[Role | None, list]:
    if role not in PARTNER_ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(PARTNER_ROLES)}.",
                           code="invalid_user")
    if not users.EMAIL_RE.match((email or "").strip()):
        raise InvalidInput(f"{email!r} is not an email address.", code="invalid_user")
    if role != user.role:
        _refuse_last_admin(session, user, "make another user administrator first.")
    named = partner_role(session, user.partner_id, role_id)
    chosen = sorted(named.privileges) if named else sorted(set(privileges or []))
    if not chosen or any(p not in PRIVILEGES for p in chosen):
        raise InvalidInput("Choose privileges among csr, lsr and view.", code="invalid_user")
    return named, chosen


def update_access(session: Session, user: User, *, email: str, role: str,
                  privileges: list[str], role_id: int | None, contact_types: list[str],
                  actor: Actor, now: datetime, full_name: str | None = None,
                  phone: str | None = None, notify: list[str] | None = None) -> User:
    """Change a user's name and phone, email, role, privileges or named role, contact types
    and the notice categories it receives (a None name, phone or notify keeps the current
    one)."""
    named, chosen = _checked_access(session, user, email=email, role=role,
                                    privileges=privileges, role_id=role_id)
    name, phone = users.checked_person(
        user.full_name if full_name is None else full_name,
        user.phone if phone is None else phone, default_name=user.username)
    before = {"email": user.email, "role": user.role, "privileges": sorted(user.privileges),
              "named_role": user.named_role.name if user.named_role else None,
              "full_name": user.full_name, "phone": user.phone}
    user.email, user.role, user.named_role = email.strip(), role, named
    user.full_name, user.phone = name, phone
    user.privileges_csv = _csv(chosen)
    session.flush()
    audit.record(session, actor, "user.access_changed", "user", user.id, now=now,
                 partner_id=user.partner_id, before=before,
                 after={"email": user.email, "role": role, "privileges": chosen,
                        "named_role": named.name if named else None, "full_name": name,
                        "phone": phone})
    if notify is not None:
        contacts.notice_categories(notify)  # checked before anything changes
    if set(contact_types) != set(user.contact_types):
        contacts.set_user_contact_types(session, user, contact_types, actor=actor, now=now)
    if notify is not None and set(notify) != user.notify:
        contacts.set_user_notify(session, user, notify, actor=actor, now=now)
    return user


def disable(session: Session, user: User, *, actor: Actor, now: datetime) -> list[str]:
    """Disable a user at once (login, sessions, tokens); return contact types left unheld."""
    if user.id == actor.user_id:
        raise Conflict("You cannot disable your own login.", code="self_disable")
    if user.disabled_at is not None:
        raise Conflict(f"{user.username} is already disabled.", code="already_disabled")
    _refuse_last_admin(session, user, "make another user administrator first.")
    users.disable_user(session, user, actor=actor, now=now)
    session.flush()
    held = contacts.holders(session, user.partner_id)
    return sorted(t for t in user.contact_types if held.get(t, 0) == 0)


def reset_password(session: Session, user: User, *, actor: Actor, now: datetime) -> str:
    """Give the user a new temporary password (shown once); every session of the user ends."""
    if user.disabled_at is not None:
        raise Conflict(f"{user.username} is disabled.", code="user_disabled")
    password = temporary_password(user.username)
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    user.must_change_password = True  # temporary: changed at the next sign-in (§1.3.1)
    audit.record(session, actor, "user.password_reset", "user", user.id, now=now,
                 partner_id=user.partner_id, after={"temporary": True})
    return password


def update_profile(session: Session, user: User, *, email: str, timezone: str, actor: Actor,
                   now: datetime) -> User:
    """Change one's own email and display time zone."""
    email = (email or "").strip()
    if not users.EMAIL_RE.match(email):
        raise InvalidInput(f"{email!r} is not an email address.", code="invalid_profile")
    if timezone != "UTC" and timezone not in available_timezones():
        raise InvalidInput(f"{timezone!r} is not a time zone.", code="invalid_profile")
    before = {"email": user.email, "timezone": user.timezone}
    user.email, user.timezone = email, timezone
    audit.record(session, actor, "user.profile_changed", "user", user.id, now=now,
                 partner_id=user.partner_id, before=before,
                 after={"email": email, "timezone": timezone})
    return user


def change_own_password(session: Session, user: User, current: str, new: str, *,
                        actor: Actor, now: datetime) -> User:
    """Change one's own password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current or ""):
        raise InvalidInput("The current password is not right.", code="wrong_password")
    if current == new:
        raise InvalidInput("Choose a password different from the current one.",
                           code="weak_password")
    problems = password_problems(new or "", user.username)
    if problems:
        raise InvalidInput("The new password " + "; ".join(problems) + ".",
                           code="weak_password")
    return users.set_password(session, user, new, actor=actor, now=now)
