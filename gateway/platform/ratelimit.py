"""Login throttle per client address: too many failed logins from one IP block it for a while.

Kept in the database (table `login_throttles`), not in process memory, so every gunicorn worker
and every restart sees the same count, and it follows the one clock (FROZEN_NOW) like every other
time rule. The per-user lockout of gateway.services.identity.users covers guessing one user's
password; this covers one address trying many usernames (credential stuffing).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.models import LoginThrottle
from gateway.services import audit
from gateway.services.identity.actors import SYSTEM


class LoginThrottled(GatewayError):
    """Too many failed logins from this address: answered 429 with Retry-After."""

    status, code = 429, "login_throttled"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 20
    window: timedelta = timedelta(minutes=10)
    block: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LoginPolicy:
        return cls(max_failures=int(config.get("LOGIN_IP_MAX_FAILURES", cls.max_failures)),
                   window=timedelta(seconds=int(config.get("LOGIN_IP_WINDOW_SECONDS", 600))),
                   block=timedelta(seconds=int(config.get("LOGIN_IP_BLOCK_SECONDS", 900))))


def _key(ip: str | None) -> str | None:
    return ip[:64] if ip else None


def check_client(session: Session, ip: str | None, *, now: datetime) -> None:
    """Raise LoginThrottled while the address is blocked."""
    key = _key(ip)
    row = session.get(LoginThrottle, key) if key else None
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        wait = int((row.blocked_until - now).total_seconds()) + 1
        raise LoginThrottled("Too many failed sign-ins from your network; try again in "
                             f"{(wait + 59) // 60} minutes.", retry_after=wait)


def _row(session: Session, key: str, now: datetime) -> LoginThrottle:
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():  # two first failures at once: one insert wins
            row = LoginThrottle(ip=key, window_started_at=now, failures=0)
            session.add(row)
    except IntegrityError:
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
    return row


def note_failure(session: Session, ip: str | None, *, now: datetime,
                 policy: LoginPolicy) -> bool:
    """Count a failed login from the address; return True when this failure starts a block."""
    key = _key(ip)
    if key is None:
        return False
    row = _row(session, key, now)
    if row.window_started_at + policy.window <= now:
        row.window_started_at, row.failures = now, 0
    row.failures += 1
    if row.failures < policy.max_failures:
        return False
    row.blocked_until, row.window_started_at, row.failures = now + policy.block, now, 0
    audit.record(session, SYSTEM, "login.ip_blocked", "client", key, now=now,
                 details={"ip": key, "failures": policy.max_failures,
                          "blocked_until": row.blocked_until.isoformat()})
    return True
