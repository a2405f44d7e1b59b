"""Users: creation, disabling, passwords, login and API tokens (§1.3)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound, Unauthorized
from gateway.models import ApiToken, Partner, Role, User
from gateway.models.partners import PARTNER_ROLES, PRIVILEGES, STAFF_ROLES, _csv
from gateway.platform import ratelimit
from gateway.platform.ratelimit import LoginPolicy
from gateway.platform.security import (
    hash_password,
    new_token,
    password_problems,
    token_hash,
    verify_password,
)
from gateway.services import audit
from gateway.services.identity.actors import Actor

# \A…\Z: `$` also matches before a trailing newline ("alice\n" would pass)
USERNAME_RE = re.compile(r"\A[A-Za-z0-9._@-]{3,80}\Z")
EMAIL_RE = re.compile(r"\A[^@\s]+@[^@\s]+\.[^@\s]+\Z")
PHONE_RE = re.compile(r"\A[0-9+().\- x]{7,30}\Z")
NAME_MAX = 120
# api_tokens.last_used_at is written at most this often per token (not on every request)
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def user_by_username(session: Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user named {username!r}.", code="unknown_user")
    return user


def add_user(session: Session, *, username: str, email: str, password: str, role: str,
             partner: Partner | None, privileges: list[str] | None, actor: Actor, now: datetime,
             role_obj: Role | None = None, enforce_policy: bool = True,
             full_name: str | None = None, phone: str | None = None) -> User:
    """Create a user of a partner (partner roles) or of the carrier's staff (staff roles);
    the full name defaults to the username (§1.3.2, api-contract §2)."""
    if not USERNAME_RE.match(username or ""):
        raise InvalidInput(f"--username: {username!r} must be 3-80 letters, digits or ._@-.",
                           code="invalid_user")
    if not EMAIL_RE.match(email or ""):
        raise InvalidInput(f"--email: {email!r} is not an email address.", code="invalid_user")
    if role not in PARTNER_ROLES + STAFF_ROLES:
        raise InvalidInput(f"--role: {role!r} is not one of "
                           f"{', '.join(PARTNER_ROLES + STAFF_ROLES)}.", code="invalid_user")
    if role in PARTNER_ROLES and partner is None:
        raise InvalidInput("--partner: partner roles need the partner's CCNA.",
                           code="invalid_user")
    if role in STAFF_ROLES and partner is not None:
        raise InvalidInput("--partner: staff users belong to no partner.", code="invalid_user")
    chosen = list(dict.fromkeys(privileges or PRIVILEGES))
    bad = [p for p in chosen if p not in PRIVILEGES]
    if bad:
        raise InvalidInput(f"--privilege: {bad[0]!r} is not one of {', '.join(PRIVILEGES)}.",
                           code="invalid_user")
    full_name, phone = checked_person(full_name, phone, default_name=username)
    problems = password_problems(password, username) if enforce_policy else []
    if problems:
        raise InvalidInput("--password: the password " + "; ".join(problems) + ".",
                           code="weak_password")
    if session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(f"Username {username!r} is taken.", code="duplicate_user")
    user = User(username=username, email=email, password_hash=hash_password(password),
                role=role, partner=partner, privileges_csv=_csv(chosen), named_role=role_obj,
                created_at=now, full_name=full_name, phone=phone)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, now=now,
                 partner_id=partner.id if partner else None,
                 after={"username": username, "full_name": full_name, "phone": phone,
                        "role": role, "privileges": chosen})
    return user


def checked_person(full_name: str | None, phone: str | None, *, default_name: str
                   ) -> tuple[str, str | None]:
    """A user's full name (default_name when blank) and optional phone, checked (§1.3.2)."""
    name = " ".join((full_name or "").split()) or default_name
    if len(name) > NAME_MAX or any(ord(c) < 32 for c in name):
        raise InvalidInput(f"--name: a full name is at most {NAME_MAX} printable characters.",
                           code="invalid_user")
    phone = (phone or "").strip() or None
    if phone is not None and not PHONE_RE.match(phone):
        raise InvalidInput(f"--phone: {phone!r} is not a phone number (digits, spaces and "
                           "+ ( ) - . x, 7-30 characters).", code="invalid_user")
    return name, phone


def disable_user(session: Session, user: User, *, actor: Actor, now: datetime) -> User:
    """Disable a user: login, sessions and tokens stop at once; the user stays for audit."""
    if user.disabled_at is None:
        user.disabled_at = now
        user.session_version += 1
        audit.record(session, actor, "user.disabled", "user", user.id, now=now,
                     partner_id=user.partner_id, after={"username": user.username})
    return user


def end_sessions(session: Session, user: User, *, actor: Actor, now: datetime) -> User:
    """Sign the user out everywhere (logout): every session cookie issued so far stops working."""
    user.session_version += 1
    audit.record(session, actor, "user.logout", "user", user.id, now=now,
                 partner_id=user.partner_id)
    return user


def set_password(session: Session, user: User, password: str, *, actor: Actor,
                 now: datetime) -> User:
    """Change a password under the policy; other sessions of the user end."""
    problems = password_problems(password, user.username)
    if problems:
        raise InvalidInput("The password " + "; ".join(problems) + ".", code="weak_password")
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.must_change_password = False
    audit.record(session, actor, "user.password_changed", "user", user.id, now=now,
                 partner_id=user.partner_id)
    return user


def authenticate(session: Session, username: str, password: str, *, now: datetime,
                 ip: str | None = None, policy: LoginPolicy | None = None,
                 device: str | None = None) -> User:
    """Check a username and password (the first step of a sign-in); record nothing on success.

    Every wrong name or password gets the same answer. Failures slow down that name from that
    client (`device` when the browser carries a device cookie of this name, else the address)
    and count against the address, whose block does not hold a known device.

    :raises LoginThrottled: (429) while the address or the name from this client must wait;
        Unauthorized otherwise.
    """
    policy = policy or LoginPolicy()
    name = (username or "").strip()
    client = ratelimit.client_id(ip, device)
    if device is None:
        ratelimit.check_client(session, ip, now=now)
    ratelimit.check_backoff(session, name, client, now=now)
    user = session.scalar(sa.select(User).where(User.username == name))
    good = verify_password(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not good:
        if user is not None:
            user.failed_logins += 1  # kept for the record; it locks nothing by itself
        ratelimit.note_backoff_failure(session, name, client, now=now, policy=policy)
        if device is None:
            ratelimit.note_failure(session, ip, now=now, policy=policy)
        raise Unauthorized("Invalid username or password.", code="invalid_login")
    if not user.active:
        raise Unauthorized("This account is disabled or its company is suspended.",
                           code="account_disabled")
    user.failed_logins, user.locked_until = 0, None
    ratelimit.clear_backoff(session, name, client)
    return user


def record_sign_in(session: Session, user: User, *, ip: str | None, now: datetime,
                   second_factor: str | None = None) -> None:
    """Audit a completed sign-in (both steps when the user has two)."""
    audit.record(session, Actor.from_user(user, ip), "user.login", "user", user.id, now=now,
                 details={"second_factor": second_factor} if second_factor else None)


_DUMMY_HASH = ("$argon2id$v=19$m=65536,t=3,p=2$BTjesF3QhhDGe3sIVVw4Og$"
               "GLe6nNR0waevNRPimDvFbaULXKU7knLD+xRPxppkq7M")


def issue_token(session: Session, user: User, *, actor: Actor, now: datetime, name: str = "",
                expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create an API token; return the row and the token text (shown once, stored hashed)."""
    if user.disabled_at is not None:
        raise InvalidInput(f"User {user.username} is disabled.", code="user_disabled")
    token = new_token()
    row = ApiToken(user=user, token_hash=token_hash(token), prefix=token[:10], name=name,
                   created_at=now, expires_at=expires_at)
    session.add(row)
    session.flush()
    audit.record(session, actor, "token.issued", "api_token", row.id, now=now,
                 partner_id=user.partner_id, after={"user": user.username, "name": name})
    return row, token


def revoke_token(session: Session, row: ApiToken, *, actor: Actor, now: datetime) -> None:
    """Revoke a token at once."""
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(session, actor, "token.revoked", "api_token", row.id, now=now,
                     partner_id=row.user.partner_id)


def user_for_token(session: Session, token: str, *, now: datetime) -> User:
    """Resolve a bearer token to an active user, or raise Unauthorized (401). The token's
    `last_used_at` is brought up to date when it is a minute old or more (or unset)."""
    row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("Missing or invalid API token.")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("The API token has expired.")
    if not row.user.active:
        raise Unauthorized("The token's user is disabled or its company is suspended.")
    last = row.last_used_at
    if last is None or not now - TOKEN_USE_RESOLUTION < last <= now:
        row.last_used_at = now  # written with the request's unit of work
    return row.user


def find_users(session: Session, text: str = "", *, limit: int = 200) -> list[User]:
    """Users for the staff admins' sign-in page: staff, or any user whose name matches."""
    query = sa.select(User).order_by(User.username).limit(limit)
    text = (text or "").strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(User.username.ilike(pattern, escape="\\"),
                                   User.email.ilike(pattern, escape="\\")))
    else:
        query = query.where(User.role.in_(STAFF_ROLES))
    return list(session.scalars(query))
