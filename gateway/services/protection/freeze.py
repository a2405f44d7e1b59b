"""Freeze by request (business-rules §11.1): staff place or lift an account's port-out freeze
when the end user asks; audited, and the end user is emailed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.errors import InvalidInput, NotFound
from gateway.models import Account
from gateway.services import audit
from gateway.services.identity.actors import Actor
from gateway.services.outbox import notices
from validators.carrier_profile import CarrierProfile

CHANNELS = ("phone", "email", "store")
NOTE_MAX = 500


def freeze_request(freeze: Any, channel: Any, note: Any) -> tuple[bool, str, str]:
    """Check a freeze request's values (400 bad_request naming the field)."""
    problems = {}
    if not isinstance(freeze, bool):
        problems["freeze"] = "must be true or false"
    if channel not in CHANNELS:
        problems["channel"] = "must be phone, email or store"
    if not isinstance(note, str) or not note.strip() or len(note.strip()) > NOTE_MAX:
        problems["note"] = f"is required: 1-{NOTE_MAX} characters saying who asked and how"
    if problems:
        raise InvalidInput("The freeze request is not valid.", code="bad_request",
                           fields=problems)
    return bool(freeze), str(channel), str(note).strip()


def set_freeze(session: Session, account_number: str, *, freeze: bool, channel: str,
               note: str, actor: Actor, now: datetime, profile: CarrierProfile) -> Account:
    """Place or lift the freeze (the latest action wins, an import's included); audit it and
    email the end user. A freeze stops new LSRs (R307); FOC'd orders go on (§11.1)."""
    account = session.get(Account, account_number)
    if account is None:
        raise NotFound(f"No account {account_number}.", code="unknown_account")
    before = account.port_freeze
    account.port_freeze = freeze
    audit.record(session, actor, "account.freeze_on" if freeze else "account.freeze_off",
                 "account", account_number, now=now, before={"port_freeze": before},
                 after={"port_freeze": freeze}, details={"channel": channel, "note": note})
    if account.contact_email:
        what = ("placed a port-out freeze on your account: no carrier can move your numbers "
                "until you ask us to lift it") if freeze else \
            "lifted the port-out freeze on your account: your numbers can be moved again"
        notices.emit(session, "enduser.freeze", None,
                     {"account_number": account_number, "port_freeze": freeze,
                      "channel": channel}, now=now, emails=[account.contact_email],
                     subject=f"{profile.carrier_name}: port-out freeze "
                             f"{'placed' if freeze else 'lifted'}",
                     body=f"At your request ({channel}), {profile.carrier_name} {what}. If you "
                          f"did not ask for this, call {profile.carrier_name} at "
                          f"{profile.enduser_phone}.")
    return account
