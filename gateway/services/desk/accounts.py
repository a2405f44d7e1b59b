"""Account unlocks by staff (§4.5)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.errors import NotFound
from gateway.models import Account
from gateway.services import audit
from gateway.services.identity.actors import Actor


def unlock_account(session: Session, account_number: str, *, actor: Actor,
                   now: datetime) -> Account:
    """Lift a passcode protection lock (§4.5)."""
    account = session.get(Account, account_number)
    if account is None:
        raise NotFound(f"No account {account_number}.", code="unknown_account")
    before = account.locked_until
    account.locked_until = None
    audit.record(session, actor, "account.unlocked", "account", account_number, now=now,
                 before={"locked_until": before.isoformat() if before else None},
                 after={"locked_until": None})
    return account

