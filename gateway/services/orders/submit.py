"""LSR submission (business-rules §4, §5, §7): one call decides FOC, reject or staff review."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.errors import Conflict, InvalidInput
from gateway.models import Account, Lsr, LsrVersion, Partner, PasscodeFailure
from gateway.models.orders import CLOSED_STATUSES, OPEN_STATUSES
from gateway.services import audit
from gateway.services.csr.loas import store_loa
from gateway.services.identity.actors import Actor
from gateway.services.orders import facts as facts_svc
from gateway.services.orders.npac_ops import concur_waiting
from gateway.services.orders.open_tns import set_open_tns as _set_open_tns
from gateway.services.outbox import notices
from gateway.services.partners.directory import acting_owner
from gateway.services.serialize import iso, lsr_body, stored_payload
from npac.interface import Registry
from validators import check_lsr
from validators.calendar import porting_window
from validators.carrier_profile import CarrierProfile
from validators.catalog import REJECT_CODES
from validators.facts import LsrDecision
from validators.fields import text_of

PON_RE = re.compile(r"^[A-Za-z0-9]{1,16}$")
VER_RE = re.compile(r"^[A-Za-z0-9]{1,2}$")


@dataclass
class SubmitResult:
    lsr: Lsr
    created: bool  # a version was recorded (201) or an exact duplicate was answered (200)


@dataclass
class Context:
    """What every step of one submission needs."""

    session: Session
    registry: Registry
    partner: Partner
    actor: Actor
    now: datetime
    profile: CarrierProfile
    channel: str = "api"
    manual: bool = False
    # rows the last decision loaded (accounts, open SVs), reused by the writing step
    loaded: dict = field(default_factory=dict)
    fresh_order_id: int | None = None  # the order this call created (it has no index rows yet)


def reject_entry(code: str, field: str | None = None, message: str | None = None) -> dict:
    row = REJECT_CODES[code]
    return {"code": code, "field": field or row.field, "message": message or row.message}


def payload_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _ver(body: dict) -> str:
    """The VER a version is stored under: the body's valid VER, else "" (never a truncation
    that could collide with a VER the partner sends later, §7.5)."""
    ver = text_of(body, "ver")
    return ver if ver and VER_RE.match(ver) else ""


def submit_lsr(ctx: Context, body: dict, *, received_at: datetime | None = None) -> SubmitResult:
    """Record a new LSR or a resubmission on a rejected PON and decide it (§7.4, §7.5)."""
    received_at = received_at or ctx.now
    pon = text_of(body, "pon")
    pon = pon if pon and PON_RE.match(pon) else None
    owner = acting_owner(ctx.session, ctx.partner, text_of(body, "ccna"), "lsr")
    if pon is None:  # rejected for its PON; nothing to key a duplicate on
        return SubmitResult(_new_order(ctx, owner, None, body, received_at), True)
    created = _new_order(ctx, owner, pon, body, received_at)
    if created is not None:
        return SubmitResult(created, True)
    existing = _order_for_pon(ctx.session, owner.id, pon)
    _refuse_duplicates(existing, body)
    _check_resubmission_ver(existing, body)
    evaluate(ctx, existing, body, received_at=received_at, sup=None, owner=owner)
    return SubmitResult(existing, True)


def _order_for_pon(session: Session, owner_id: int, pon: str) -> Lsr | None:
    query = sa.select(Lsr).where(Lsr.owner_partner_id == owner_id, Lsr.pon == pon)
    return session.scalar(query.with_for_update())


def _new_order(ctx: Context, owner: Partner, pon: str | None, body: dict,
               received_at: datetime) -> Lsr | None:
    """Create and decide the order of a new PON; None when the PON already has one.

    One INSERT ... ON CONFLICT DO NOTHING on the unique (owner, PON): of two identical
    submissions at the same moment the second waits for the first and then finds its order
    (§7.5) — no check-then-insert race, and no savepoint.
    """
    values = dict(order_number=f"PG{secrets.token_hex(5).upper()}", owner_partner_id=owner.id,
                  submitter_partner_id=ctx.partner.id, ccna=owner.ccna, pon=pon,
                  ver=_ver(body), status="rejected", channel=ctx.channel,
                  received_at=received_at, payload={}, created_at=ctx.now, updated_at=ctx.now,
                  due_date_sups=0, rejects=[], foc_tns=[], disconnect_tns=[])
    insert = _dialect_insert(ctx.session)(Lsr).values(**values)
    if pon is not None:
        insert = insert.on_conflict_do_nothing(index_elements=["owner_partner_id", "pon"])
    lsr = ctx.session.scalars(insert.returning(Lsr)).first()
    if lsr is None:
        return None
    set_committed_value(lsr, "versions", [])  # a new order has none: no lazy load
    ctx.fresh_order_id = lsr.id
    evaluate(ctx, lsr, body, received_at=received_at, sup=None, owner=owner)
    return lsr


def _dialect_insert(session: Session):
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _refuse_duplicates(lsr: Lsr, body: dict) -> None:
    """§7.5: exact duplicate -> the order unchanged; otherwise R507/R508/R509 (409)."""
    ver = text_of(body, "ver")
    same = next((v for v in lsr.versions if v.ver == ver), None) if ver else None
    if same is not None:
        if same.payload_hash == payload_hash(stored_payload(body)):
            raise ExactDuplicate(lsr)
        raise Conflict(f"PON {lsr.pon} VER {ver} was already received with different content.",
                       code="duplicate_version", rejects=[reject_entry("R507")])
    if lsr.status in OPEN_STATUSES:
        raise Conflict(f"PON {lsr.pon} already has an open order ({lsr.status}); send a "
                       "supplement instead.", code="pon_open", rejects=[reject_entry("R508")])
    if lsr.status in CLOSED_STATUSES:
        raise Conflict(f"PON {lsr.pon} belongs to a {lsr.status} order; use a new PON.",
                       code="pon_closed", rejects=[reject_entry("R509")])


class ExactDuplicate(Exception):
    """Internal signal: the same PON, VER and content were received before."""

    def __init__(self, lsr: Lsr) -> None:
        super().__init__(lsr.id)
        self.lsr = lsr


def _check_resubmission_ver(lsr: Lsr, body: dict) -> None:
    if not _ver(body):
        raise InvalidInput("A resubmission needs a new VER of 1-2 letters or digits.",
                           code="invalid_ver", rejects=[reject_entry("R602", "ver")])


def submit(ctx: Context, body: dict, *, received_at: datetime | None = None) -> SubmitResult:
    """Submit an LSR; an exact duplicate answers the existing order (created False)."""
    try:
        return submit_lsr(ctx, body, received_at=received_at)
    except ExactDuplicate as dup:
        return SubmitResult(dup.lsr, False)


def decide(ctx: Context, lsr: Lsr, body: dict, *, received_at: datetime,
           own_tns: frozenset[str] = frozenset(),
           verified_passcode_account: str | None = None, lock: bool = True) -> LsrDecision:
    """Load the facts for the body's TNs and run the rules engine (no writes).

    `lock`: hold the account's TN rows until the outcome is written (a dry run writes none).
    """
    tns = body.get("tns") if isinstance(body.get("tns"), list) else []
    spids = [s for s in (body.get("nnsp"), body.get("cc")) if isinstance(s, str)]
    nnsp = text_of(body, "nnsp") or text_of(body, "cc")
    ctx.loaded = {}
    facts = facts_svc.order_facts(ctx.session, ctx.registry, tns, profile=ctx.profile,
                                  now=ctx.now, spids=spids, exclude_lsr_id=lsr.id,
                                  nnsp=nnsp.upper() if nnsp else None, keep=ctx.loaded,
                                  lock=lock)  # one decision at a time per account (§2.4)
    return check_lsr(body, partner=facts_svc.partner_facts(ctx.session, ctx.partner),
                     facts=facts, profile=ctx.profile, received_at=received_at,
                     own_order_tns=own_tns, manual_entry=ctx.manual,
                     verified_passcode_account=verified_passcode_account)


def evaluate(ctx: Context, lsr: Lsr, body: dict, *, received_at: datetime, sup: str | None,
             owner: Partner | None = None) -> LsrDecision:
    """Decide a new version of the order as a new receipt and record its outcome (§7.4)."""
    decision = decide(ctx, lsr, body, received_at=received_at)
    before = lsr.status if lsr.versions else None
    lsr.ver = _ver(body)
    lsr.payload = stored_payload(body)
    lsr.received_at = received_at
    version = LsrVersion(ver=lsr.ver, sup=sup, at=ctx.now, user_id=ctx.actor.user_id,
                         payload=lsr.payload, payload_hash=payload_hash(lsr.payload),
                         status="rejected", rejects=[])
    lsr.versions.append(version)
    apply_decision(ctx, lsr, decision, version, owner=owner)
    store_agent_loa(ctx, lsr, body)
    audit.record(ctx.session, ctx.actor, f"lsr.{lsr.status}", "lsr", lsr.id, now=ctx.now,
                 partner_id=lsr.owner_partner_id, before={"status": before},
                 after={"status": lsr.status, "ver": lsr.ver, "due_date": iso(lsr.due_date)},
                 details={"channel": lsr.channel, "received_at": received_at.isoformat(),
                          "agauth": body.get("agauth") if isinstance(body.get("agauth"), str)
                          else None})
    return decision


def apply_decision(ctx: Context, lsr: Lsr, decision: LsrDecision, version: LsrVersion, *,
                   owner: Partner | None = None) -> None:
    """Write the engine's decision on the order and its version; queue the notices."""
    owner = owner or ctx.session.get(Partner, lsr.owner_partner_id)
    lsr.updated_at = ctx.now
    lsr.account_number = decision.account_number
    lsr.port_type = decision.port_type
    lsr.nnsp = text_of(lsr.payload, "nnsp") or text_of(lsr.payload, "cc")
    lsr.nnsp = lsr.nnsp.upper()[:4] if lsr.nnsp else None
    if decision.receipt is not None:
        lsr.effective_received_at = decision.receipt.effective_received_at
        lsr.receipt_day = decision.receipt.receipt_day
    else:
        lsr.effective_received_at, lsr.receipt_day = lsr.received_at, None
    lsr.foc_overdue_at = None  # a new version starts its clocks afresh (§7.4)
    if decision.findings:
        _reject(ctx, lsr, decision, version, owner)
    elif decision.review_reason:
        _to_review(ctx, lsr, decision, version, owner)
    else:
        lsr.foc_due_at = decision.foc_due_at  # §5.4 clock, met at once by an automatic FOC
        issue_foc(ctx, lsr, decision.due_date, version, owner,
                  tns=decision.tns, disconnect=decision.disconnect_tns, new_btn=decision.new_btn)


def _reject(ctx: Context, lsr: Lsr, decision: LsrDecision, version: LsrVersion,
            owner: Partner) -> None:
    rejects = [f.as_dict() for f in decision.findings]
    lsr.status, lsr.rejects, lsr.review_reason = "rejected", rejects, None
    lsr.due_date, lsr.foc_due_at, lsr.foc_issued_at, lsr.window_ends_at = None, None, None, None
    lsr.foc_tns, lsr.disconnect_tns, lsr.new_btn = [], [], None
    version.status, version.rejects = "rejected", rejects
    _index_tns(ctx, lsr, ())
    if decision.passcode_failed and decision.account_number:
        record_passcode_failure(ctx, decision.account_number, lsr)
    notices.emit(ctx.session, "lsr.rejected", owner, lsr_body(lsr), now=ctx.now,
                 lsr_id=lsr.id, subject=f"Reject: PON {lsr.pon} VER {lsr.ver}",
                 body=_reject_text(lsr))


def _reject_text(lsr: Lsr) -> str:
    lines = [f"Your LSR PON {lsr.pon} VER {lsr.ver} (order {lsr.order_number}) was rejected:"]
    lines += [f"  {r['code']} {r['field']}: {r['message']}" for r in lsr.rejects]
    return "\n".join(lines)


def _to_review(ctx: Context, lsr: Lsr, decision: LsrDecision, version: LsrVersion,
               owner: Partner) -> None:
    lsr.status, lsr.review_reason, lsr.rejects = "manual_review", decision.review_reason, []
    lsr.due_date, lsr.foc_due_at = decision.due_date, decision.foc_due_at
    lsr.foc_issued_at, lsr.window_ends_at = None, None
    lsr.foc_tns, lsr.disconnect_tns = list(decision.tns), list(decision.disconnect_tns)
    lsr.new_btn = decision.new_btn
    with ctx.session.no_autoflush:
        lsr.state = _account_contact(ctx, lsr)[0]  # the zone a SUP 2's receipt is found in (§6.2)
    version.status, version.due_date = "manual_review", decision.due_date
    _index_tns(ctx, lsr, decision.tns)
    notices.emit(ctx.session, "lsr.manual_review", owner, lsr_body(lsr), now=ctx.now,
                 lsr_id=lsr.id, subject=f"In review ({decision.review_reason}): PON {lsr.pon}",
                 body=f"PON {lsr.pon} VER {lsr.ver} awaits the carrier's LNP desk "
                      f"({decision.review_reason}); the FOC is due by "
                      f"{iso(decision.foc_due_at)}.")


def issue_foc(ctx: Context, lsr: Lsr, due_date, version: LsrVersion, owner: Partner, *,
              tns, disconnect, new_btn) -> None:
    """Confirm the order with its due date and open the porting window (§5.3, §5.5)."""
    lsr.status, lsr.review_reason, lsr.rejects = "foc", None, []
    lsr.due_date, lsr.foc_issued_at = due_date, ctx.now
    lsr.foc_tns, lsr.disconnect_tns, lsr.new_btn = list(tns), list(disconnect), new_btn
    with ctx.session.no_autoflush:  # the order's rows are written once, below, not twice
        state, email = _account_contact(ctx, lsr)
    lsr.state = state
    lsr.window_ends_at = porting_window(due_date, state, ctx.profile)[1] if state else None
    version.status, version.due_date = "foc", due_date
    _index_tns(ctx, lsr, tns)
    concur_waiting(ctx.registry, tns, lsr.nnsp, now=ctx.now, open_svs=_loaded_svs(ctx, tns))
    notices.emit(ctx.session, "lsr.foc", owner, lsr_body(lsr), now=ctx.now, lsr_id=lsr.id,
                 subject=f"FOC: PON {lsr.pon} due {due_date.isoformat()}",
                 body=f"PON {lsr.pon} VER {lsr.ver} is confirmed (order {lsr.order_number}); "
                      f"due date {due_date.isoformat()}; TNs {', '.join(tns)}.")
    _end_user_notice(ctx, lsr, owner, email=email)


def _account_contact(ctx: Context, lsr: Lsr) -> tuple[str | None, str | None]:
    """The account's state and end-user email (as the decision loaded it, else one query)."""
    if not lsr.account_number:
        return None, None
    account = ctx.loaded.get("accounts", {}).get(lsr.account_number)
    if account is not None:
        return account.state, account.contact_email
    row = ctx.session.execute(sa.select(Account.state, Account.contact_email).where(
        Account.account_number == lsr.account_number)).first()
    return (row[0], row[1]) if row else (None, None)


def _state_of(session: Session, lsr: Lsr) -> str | None:
    if not lsr.account_number:
        return None
    return session.scalar(sa.select(Account.state).where(
        Account.account_number == lsr.account_number))


def _loaded_svs(ctx: Context, tns) -> list | None:
    """The open SVs the decision loaded, if it loaded them for these TNs."""
    asked, svs = ctx.loaded.get("open_svs", (frozenset(), None))
    return svs if svs is not None and set(tns) <= asked else None


def _index_tns(ctx: Context, lsr: Lsr, tns) -> None:
    """Set the order's open-order index rows (§2.4); a fresh order has none to delete."""
    _set_open_tns(ctx.session, lsr, tns, fresh=ctx.fresh_order_id == lsr.id)
    ctx.fresh_order_id = None


_UNKNOWN = object()


def _end_user_notice(ctx: Context, lsr: Lsr, owner: Partner, email=_UNKNOWN) -> None:
    if email is _UNKNOWN:
        email = ctx.session.scalar(sa.select(Account.contact_email).where(
            Account.account_number == lsr.account_number))
    if not email:
        return
    tns = ", ".join(lsr.foc_tns)
    notices.emit(ctx.session, "enduser.port_notice", None,
                 {"lsr_id": lsr.id, "tns": lsr.foc_tns, "due_date": lsr.due_date.isoformat(),
                  "requesting_carrier": owner.name}, now=ctx.now, lsr_id=lsr.id, emails=[email],
                 subject=f"{ctx.profile.carrier_name}: request to move your numbers",
                 body=(f"{owner.name} ({owner.ccna}) asked to move your telephone numbers {tns} "
                       f"to its service on {lsr.due_date.isoformat()}. If you did not ask for "
                       f"this, call {ctx.profile.carrier_name} before that date to stop it."))


def record_passcode_failure(ctx: Context, account_number: str, lsr: Lsr) -> None:
    """Count a failed passcode; the 5th within 24 hours locks port-outs for 24 hours (§4.5)."""
    ctx.session.add(PasscodeFailure(account_number=account_number, partner_id=ctx.partner.id,
                                    at=ctx.now))
    window = timedelta(hours=ctx.profile.passcode_lock_hours)
    failures = ctx.session.scalar(sa.select(sa.func.count()).select_from(PasscodeFailure).where(
        PasscodeFailure.account_number == account_number,
        PasscodeFailure.at > ctx.now - window))
    account = ctx.session.get(Account, account_number)
    locked = failures >= ctx.profile.passcode_lock_failures
    if locked:
        account.locked_until = ctx.now + window
        audit.record(ctx.session, ctx.actor, "account.locked", "account", account_number,
                     now=ctx.now, details={"failures": failures, "lsr": lsr.id})
    if account.contact_email:
        notices.emit(ctx.session, "enduser.passcode_failed", None,
                     {"account_number": account_number, "requesting_carrier": ctx.partner.name},
                     now=ctx.now, emails=[account.contact_email], lsr_id=lsr.id,
                     subject=f"{ctx.profile.carrier_name}: wrong port-out passcode",
                     body=(f"{ctx.partner.name} sent a port request for your account with a "
                           "wrong passcode." + (" Port-outs are locked for 24 hours."
                                                if locked else "")
                           + f" If you did not ask to move your numbers, call "
                             f"{ctx.profile.carrier_name}."))


def store_agent_loa(ctx: Context, lsr: Lsr, body: dict) -> None:
    if ctx.partner.is_agent and isinstance(body.get("loa"), dict) and lsr.status != "rejected":
        lsr.loa_id = store_loa(ctx.session, ctx.partner, body["loa"], now=ctx.now).id
