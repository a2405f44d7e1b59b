"""The second factor (business-rules §1.3.1): TOTP enrolment and checks, recovery codes, resets.

TOTP is RFC 6238 with 6 digits and 30-second steps (pyotp). A code is accepted one step either
side of the current one (clock drift of a phone) and never twice: the last accepted step is kept.
Recovery codes are 80 random bits each, shown once and stored as SHA-256 digests (random
values, like API tokens, need no salt or slow hash); each works once.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

import pyotp
from sqlalchemy.orm import Session

from gateway.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from gateway.models import User
from gateway.platform import ratelimit
from gateway.platform.ratelimit import LoginPolicy
from gateway.services import audit
from gateway.services.identity.actors import Actor

DIGITS, STEP_SECONDS, DRIFT_STEPS = 6, 30, 1
RECOVERY_CODE_COUNT = 10
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read from paper


def required(user: User, mfa_roles: Iterable[str]) -> bool:
    """Whether the user signs in with a second factor (the profile's `mfa_roles`)."""
    return user.role in set(mfa_roles)


def enrolled(user: User) -> bool:
    return bool(user.totp_secret)


def new_secret() -> str:
    """A random base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=issuer)


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(at)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normal_recovery(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _digest(code: str) -> str:
    return hashlib.sha256(_normal_recovery(code).encode()).hexdigest()


def _new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))  # ~79 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    return codes


def enrol(session: Session, user: User, secret: str, code: str, *, actor: Actor, at: datetime,
          now: datetime) -> list[str]:
    """Confirm a new TOTP secret with a code from the app; return the 10 recovery codes.

    :param at: wall-clock time the code is checked at; `now` is the audit time.
    :raises InvalidInput: the code does not match the secret.
    """
    if enrolled(user):
        raise Conflict("A second factor is already set up for this user.", code="mfa_enrolled")
    step = _matching_step(secret, code or "", at)
    if step is None:
        raise InvalidInput("That code does not match; check the time on your phone and enter "
                           "the 6 digits the app shows now.", code="mfa_code_wrong")
    codes = _new_recovery_codes()
    user.totp_secret, user.totp_enrolled_at, user.totp_last_step = secret, now, step
    user.recovery_codes = [_digest(c) for c in codes]
    audit.record(session, actor, "user.mfa_enrolled", "user", user.id, now=now,
                 partner_id=user.partner_id)
    return codes


def verify(session: Session, user: User, code: str, *, actor: Actor, at: datetime,
           now: datetime) -> str | None:
    """Check a TOTP code or a recovery code; return which ("totp", "recovery_code") or None.

    A recovery code is spent by its use; a TOTP step is spent too (no replay).
    """
    if not enrolled(user):
        return None
    step = _matching_step(user.totp_secret or "", code or "", at)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return None  # this code (or an earlier one) was used already
        user.totp_last_step = step
        return "totp"
    digest = _digest(code or "")
    remaining = list(user.recovery_codes or [])
    if len(_normal_recovery(code or "")) == 16 and digest in remaining:
        remaining.remove(digest)
        user.recovery_codes = remaining
        audit.record(session, actor, "user.recovery_code_used", "user", user.id, now=now,
                     partner_id=user.partner_id, details={"remaining": len(remaining)})
        return "recovery_code"
    return None


def confirm_sign_in(session: Session, user: User, code: str, *, ip: str | None,
                    device: str | None, at: datetime, now: datetime,
                    policy: LoginPolicy) -> str:
    """The second step of a sign-in: a good code, under the same back-off as passwords.

    :raises LoginThrottled: while the user must wait; Unauthorized for a wrong code.
    """
    client = ratelimit.client_id(ip, device)
    ratelimit.check_backoff(session, user.username, client, now=now)
    factor = verify(session, user, code, actor=Actor.from_user(user, ip), at=at, now=now)
    if factor is None:
        ratelimit.note_backoff_failure(session, user.username, client, now=now, policy=policy)
        raise Unauthorized("That code is not right: enter the 6 digits your app shows now, "
                           "or one of your recovery codes.", code="mfa_code_wrong")
    ratelimit.clear_backoff(session, user.username, client)
    return factor


def recovery_codes_left(user: User) -> int:
    return len(user.recovery_codes or [])


def reset(session: Session, user: User, *, actor: Actor, now: datetime) -> User:
    """Remove the user's second factor (staff admins, audited): the user enrols again at the
    next sign-in, and every session of the user ends now."""
    if actor.role != "staff_admin":
        raise Forbidden("Only staff administrators reset a second factor.")
    had = enrolled(user)
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
    user.recovery_codes = None
    user.session_version += 1
    audit.record(session, actor, "user.mfa_reset", "user", user.id, now=now,
                 partner_id=user.partner_id, before={"enrolled": had}, after={"enrolled": False})
    return user
