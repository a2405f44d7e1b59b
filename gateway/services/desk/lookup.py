"""Account look-up for the LNP desk: TNs, orders, CSRs, freeze and the passcode lock (§4.5)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import Account, CsrRequest, Lsr, LsrTn, Partner, PasscodeFailure, Tn
from gateway.services.desk import accounts
from gateway.services.identity.actors import Actor
from validators.carrier_profile import CarrierProfile

MAX_RESULTS = 50
_DIGITS = re.compile(r"[\s().\-+/]")


@dataclass
class AccountOverview:
    account: Account
    tns: list[dict] = field(default_factory=list)  # tn, status, open order (pon, id)
    orders: list[tuple[Lsr, str]] = field(default_factory=list)  # (order, partner CCNA)
    csr_requests: list[tuple[CsrRequest, str]] = field(default_factory=list)
    failures_24h: int = 0
    locked: bool = False


def find_accounts(session: Session, query: str) -> list[Account]:
    """Accounts whose number, BTN or one of whose TNs is the query, or whose name contains it;
    a part of a TN (3 to 9 digits: `503`, `555-01`) finds the accounts with a TN containing it."""
    text = (query or "").strip()
    if len(text) < 3:
        raise InvalidInput("Enter at least 3 characters: an account number, a TN or a name.",
                           code="query_too_short", field="q")
    digits = _DIGITS.sub("", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    by_tn = sa.select(Tn.account_number).where(Tn.tn == digits)
    if digits.isascii() and digits.isdigit() and 3 <= len(digits) < 10:
        by_tn = sa.select(Tn.account_number).where(Tn.tn.contains(digits))
    pattern = "%" + text.upper().replace("%", r"\%").replace("_", r"\_") + "%"
    query_ = sa.select(Account).where(sa.or_(
        Account.account_number == text, Account.btn == digits, Account.account_number.in_(by_tn),
        sa.func.upper(Account.customer_name).like(pattern, escape="\\")))
    return list(session.scalars(query_.order_by(Account.customer_name, Account.account_number)
                                .limit(MAX_RESULTS)))


def account_overview(session: Session, account_number: str, *, now: datetime,
                     profile: CarrierProfile) -> AccountOverview:
    """Everything the desk needs about one account, in a handful of queries."""
    account = session.get(Account, account_number)
    if account is None:
        raise NotFound(f"No account {account_number}.", code="unknown_account")
    overview = AccountOverview(account, locked=bool(account.locked_until
                                                     and account.locked_until > now))
    rows = session.execute(
        sa.select(Tn.tn, Tn.status, Lsr.id, Lsr.pon, Lsr.status)
        .outerjoin(LsrTn, LsrTn.tn == Tn.tn).outerjoin(Lsr, Lsr.id == LsrTn.lsr_id)
        .where(Tn.account_number == account_number).order_by(Tn.tn)).all()
    overview.tns = [{"tn": tn, "status": status, "lsr_id": lsr_id, "pon": pon,
                     "order_status": order_status}
                    for tn, status, lsr_id, pon, order_status in rows]
    overview.orders = list(session.execute(
        sa.select(Lsr, Partner.ccna).join(Partner, Partner.id == Lsr.owner_partner_id)
        .where(Lsr.account_number == account_number)
        .order_by(Lsr.created_at.desc()).limit(MAX_RESULTS)).tuples())
    overview.csr_requests = list(session.execute(
        sa.select(CsrRequest, Partner.ccna).join(Partner, Partner.id == CsrRequest.partner_id)
        .where(CsrRequest.account_number == account_number)
        .order_by(CsrRequest.received_at.desc()).limit(20)).tuples())
    overview.failures_24h = session.scalar(
        sa.select(sa.func.count()).select_from(PasscodeFailure).where(
            PasscodeFailure.account_number == account_number,
            PasscodeFailure.at > now - timedelta(hours=profile.passcode_lock_hours))) or 0
    return overview


def unlock(session: Session, account_number: str, *, actor: Actor, now: datetime) -> Account:
    """Lift a live passcode lock (§4.5); an account that is not locked is refused."""
    account = session.get(Account, account_number, with_for_update=True)
    if account is None:
        raise NotFound(f"No account {account_number}.", code="unknown_account")
    if account.locked_until is None or account.locked_until <= now:
        raise Conflict(f"Account {account_number} is not locked.", code="not_locked")
    return accounts.unlock_account(session, account_number, actor=actor, now=now)
