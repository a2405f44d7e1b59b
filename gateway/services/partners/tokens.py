"""API tokens of a partner's users, managed by its administrators (shown once, stored hashed)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import InvalidInput, NotFound
from gateway.models import ApiToken, User
from gateway.services.identity import users
from gateway.services.identity.actors import Actor


def partner_tokens(session: Session, partner_id: int) -> list[ApiToken]:
    """Every token of the partner's users, newest first (revoked ones stay listed)."""
    return list(session.scalars(sa.select(ApiToken).join(User, User.id == ApiToken.user_id)
                                .where(User.partner_id == partner_id)
                                .order_by(ApiToken.id.desc())))


def partner_token(session: Session, partner_id: int, token_id: int) -> ApiToken:
    row = session.scalar(sa.select(ApiToken).join(User, User.id == ApiToken.user_id).where(
        ApiToken.id == token_id, User.partner_id == partner_id))
    if row is None:
        raise NotFound(f"No token {token_id} in your company.", code="unknown_token")
    return row


MAX_LIFETIME = timedelta(days=3653)  # an expiry date at most ten years ahead


def end_of_day(day: date, zone: str) -> datetime:
    """23:59:59 of the day in the zone, as UTC."""
    return datetime.combine(day, time(23, 59, 59), ZoneInfo(zone)).astimezone(UTC)


def issue(session: Session, user: User, *, name: str, expires_on: date | None, zone: str,
          actor: Actor, now: datetime) -> tuple[ApiToken, str]:
    """Issue a token for the user; return the row and the token text (shown once)."""
    name = " ".join((name or "").split())[:80]
    if not name:
        raise InvalidInput("Give the token a name that says where it is used.",
                           code="invalid_token")
    if expires_on is not None and expires_on > (now + MAX_LIFETIME).date():
        raise InvalidInput("The expiry date must be within ten years: issue a new token then "
                           "(a date in year 9999 could not even be shown).", code="invalid_token")
    expires_at = end_of_day(expires_on, zone) if expires_on else None
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("The expiry date must be in the future.", code="invalid_token")
    return users.issue_token(session, user, actor=actor, now=now, name=name,
                             expires_at=expires_at)


def status(row: ApiToken, now: datetime) -> str:
    """active, expired or revoked."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    if row.user.disabled_at is not None:
        return "disabled"
    return "active"


def revoke(session: Session, row: ApiToken, *, actor: Actor, now: datetime) -> None:
    """Revoke the token at once (a revoked token stays listed)."""
    users.revoke_token(session, row, actor=actor, now=now)
