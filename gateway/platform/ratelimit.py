"""Login throttles: a block per client address, and a back-off per username and client.

Kept in the database (table `login_throttles`), not in process memory, so every gunicorn worker
and every restart sees the same count, and it follows the one clock (FROZEN_NOW) like every other
time rule.

- Per address: too many failed logins from one IP block it for a while (one address trying many
  usernames: credential stuffing). A browser that already signed in as the username (a signed
  device cookie, see gateway.auth.devices) is not held by it, so an office behind one address
  keeps working while someone there, or behind the same NAT, guesses.
- Per username and client (address, or device): after a few failures each further try waits
  twice as long as the last, up to a cap. It is keyed by the name typed, whether or not such a
  user exists (no enumeration), and an attacker only slows down their own address: nobody can
  lock a user out from somewhere else.
"""
from __future__ import annotations

import hashlib
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
    # per username and client: free failures, then waits of base * 2**n up to the cap
    free_failures: int = 5
    backoff_base: timedelta = timedelta(seconds=15)
    backoff_cap: timedelta = timedelta(minutes=15)
    backoff_forget: timedelta = timedelta(hours=24)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LoginPolicy:
        def seconds(key: str, default: int) -> timedelta:
            return timedelta(seconds=int(config.get(key, default)))

        return cls(max_failures=int(config.get("LOGIN_IP_MAX_FAILURES", cls.max_failures)),
                   window=seconds("LOGIN_IP_WINDOW_SECONDS", 600),
                   block=seconds("LOGIN_IP_BLOCK_SECONDS", 900),
                   free_failures=int(config.get("LOGIN_FREE_FAILURES", cls.free_failures)),
                   backoff_base=seconds("LOGIN_BACKOFF_BASE_SECONDS", 15),
                   backoff_cap=seconds("LOGIN_BACKOFF_CAP_SECONDS", 900))


def _key(ip: str | None) -> str | None:
    return ip[:64] if ip else None


def _wait_text(wait: int) -> str:
    return f"{wait} seconds" if wait < 120 else f"{(wait + 59) // 60} minutes"


def check_client(session: Session, ip: str | None, *, now: datetime) -> None:
    """Raise LoginThrottled while the address is blocked."""
    key = _key(ip)
    row = session.get(LoginThrottle, key) if key else None
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        wait = int((row.blocked_until - now).total_seconds()) + 1
        raise LoginThrottled("Too many failed sign-ins from your network; try again in "
                             f"{_wait_text(wait)}.", retry_after=wait)


def client_id(ip: str | None, device: str | None) -> str:
    """Who is trying: the browser's device id when it has one for the name, else its address."""
    return f"device:{device}" if device else f"ip:{ip or '-'}"


def backoff_key(username: str, client: str) -> str:
    """The row key of one username tried from one client (hashed: names can be long)."""
    raw = f"{(username or '').strip().lower()}|{client}".encode()
    return "u:" + hashlib.sha256(raw).hexdigest()[:32]  # fits audit object ids (40)


def check_backoff(session: Session, username: str, client: str, *, now: datetime) -> None:
    """Raise LoginThrottled while this username waits out its back-off from this client.

    The message is the same for every name typed, existing or not.
    """
    row = session.get(LoginThrottle, backoff_key(username, client))
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        wait = int((row.blocked_until - now).total_seconds()) + 1
        raise LoginThrottled("Too many failed sign-ins for this username; try again in "
                             f"{_wait_text(wait)}.", retry_after=wait)


def note_backoff_failure(session: Session, username: str, client: str, *, now: datetime,
                         policy: LoginPolicy) -> None:
    """Count a failure of the username from the client; past the free ones, double the wait."""
    key = backoff_key(username, client)
    row = _row(session, key, now)
    if row.window_started_at + policy.backoff_forget <= now:
        row.failures = 0  # a day without failures: start over
    row.failures += 1
    row.window_started_at = now  # the last failure
    over = row.failures - policy.free_failures
    if over < 0:
        return
    wait = min(policy.backoff_cap, policy.backoff_base * (2 ** min(over, 20)))
    row.blocked_until = now + wait
    if over == 0:
        audit.record(session, SYSTEM, "login.backoff_started", "client", key, now=now,
                     details={"client": client[:80], "failures": row.failures})


def clear_backoff(session: Session, username: str, client: str) -> None:
    """A successful sign-in forgets the username's failures from this client."""
    row = session.get(LoginThrottle, backoff_key(username, client))
    if row is not None:
        session.delete(row)


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
