"""The order lifecycle's one owner (business-rules §2.4, §5–§10): every change of an order's
status happens here, with its version row, its open-TN index, its audit event and its notices
(to the carrier and, for orders an agent sent, to the agent), so no caller can forget one.

Callers say what happened (`issue_foc(ctx, order, ...)`); `ALLOWED` says which events each
status takes, and an event the table refuses raises `TransitionRefused` before anything changes.
"""
from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.db import Prepared, adopt, bound, held_writes, unsaved
from gateway.errors import Conflict, InvalidInput
from gateway.models import (
    Account,
    Lsr,
    LsrTn,
    LsrVersion,
    OrderHold,
    OrderNote,
    Partner,
    PasscodeFailure,
    Tn,
)
from gateway.models.orders import LsrStatus
from gateway.services import audit
from gateway.services.identity.actors import Actor
from gateway.services.orders.context import OrderContext
from gateway.services.orders.cut import cut_words
from gateway.services.orders.due_note import due_date_note
from gateway.services.orders.facts import lock_cte
from gateway.services.outbox import notices
from gateway.services.policy import agent_notified
from gateway.services.protection.links import new_dispute_link
from gateway.services.serialize import iso, lsr_body
from npac.interface import Registry
from npac.simulator import text_array
from validators.calendar import add_business_hours, porting_window
from validators.carrier_profile import CarrierProfile
from validators.catalog import REJECT_CODES
from validators.facts import LsrDecision
from validators.fields import text_of


class Event(StrEnum):
    """What can happen to an order."""

    FOC = "foc"  # a received version is confirmed automatically (§5.3)
    REJECT = "reject"  # a received version breaks rules (§4)
    REVIEW = "review"  # a received version goes to the LNP desk (§7.2)
    STAFF_FOC = "staff_foc"
    STAFF_REJECT = "staff_reject"
    SUP_CANCEL = "sup_cancel"  # SUP 1 (§6.1)
    SUP_DUE_DATE = "sup_due_date"  # SUP 2 (§6.2)
    SUP_CORRECT = "sup_correct"  # SUP 3 accepted (§6.3)
    SUP_REJECT = "sup_reject"  # a supplement refused: the order stays as it was (§6.5)
    FOC_OVERDUE = "foc_overdue"  # the desk's FOC clock ran out (§5.4)
    EXPIRE = "expire"  # the porting window closed with nothing active (§5.5)
    ACTIVATE = "activate"  # a TN of the order was activated in NPAC (§9.3)
    COMPLETE = "complete"  # every TN is active (§9.3)
    HOLD = "hold"  # the end user disputed the port: the order is held (§11.2)
    RELEASE = "release"  # staff end the hold; the port goes on (§11.2)
    HOLD_CANCEL = "hold_cancel"  # staff cancel a held order: end_user_dispute (§11.2)
    NOTE = "note"  # a note by the partner or the desk (§13.1): no status change


S = LsrStatus
RECEIVED = frozenset({Event.FOC, Event.REJECT, Event.REVIEW})
SUPPLEMENTS = frozenset({Event.SUP_CANCEL, Event.SUP_DUE_DATE, Event.SUP_CORRECT,
                         Event.SUP_REJECT})
# status (None: an order whose first version is being decided) -> the events it takes
ALLOWED: dict[LsrStatus | None, frozenset[Event]] = {
    None: RECEIVED,
    S.REJECTED: RECEIVED | {Event.SUP_REJECT},  # a resubmission with a new VER (§7.4)
    S.MANUAL_REVIEW: SUPPLEMENTS | {Event.STAFF_FOC, Event.STAFF_REJECT, Event.FOC_OVERDUE},
    S.FOC: SUPPLEMENTS | {Event.EXPIRE, Event.ACTIVATE, Event.COMPLETE, Event.HOLD,
                          Event.RELEASE, Event.HOLD_CANCEL},
    S.CANCELED: frozenset({Event.SUP_REJECT}),
    S.EXPIRED: frozenset({Event.SUP_REJECT}),
    S.COMPLETED: frozenset({Event.SUP_REJECT}),
}
# §13.1: an order takes notes whatever its status, once it has one
ALLOWED = {s: (events | {Event.NOTE} if s is not None else events)
           for s, events in ALLOWED.items()}
# the status each event leaves (None: unchanged; SUP_CORRECT takes the decision's)
TARGET: dict[Event, LsrStatus | None] = {
    Event.FOC: S.FOC, Event.REJECT: S.REJECTED, Event.REVIEW: S.MANUAL_REVIEW,
    Event.STAFF_FOC: S.FOC, Event.STAFF_REJECT: S.REJECTED, Event.SUP_CANCEL: S.CANCELED,
    Event.SUP_DUE_DATE: None, Event.SUP_CORRECT: None, Event.SUP_REJECT: None,
    Event.FOC_OVERDUE: None, Event.EXPIRE: S.EXPIRED, Event.ACTIVATE: None,
    Event.COMPLETE: S.COMPLETED, Event.HOLD: None, Event.RELEASE: None,
    Event.HOLD_CANCEL: S.CANCELED, Event.NOTE: None,
}
_REFUSAL_CODES = {Event.STAFF_FOC: "not_in_review", Event.STAFF_REJECT: "not_in_review",
                  Event.ACTIVATE: "not_activatable", Event.COMPLETE: "not_activatable",
                  Event.HOLD: "not_disputable", Event.RELEASE: "not_on_hold",
                  Event.HOLD_CANCEL: "not_on_hold"}


class TransitionRefused(Conflict):
    """The order's status does not take this event (409); nothing was changed."""


def allowed(status: LsrStatus | None, event: Event) -> bool:
    return event in ALLOWED[status]


def _check(order: Lsr, event: Event) -> LsrStatus | None:
    status = _current(order)
    if not allowed(status, event):
        shown = status.value if status else "being received"
        why = "not awaiting staff" if event in (Event.STAFF_FOC, Event.STAFF_REJECT) else \
            f"{event.value.replace('_', ' ')} is not possible"
        raise TransitionRefused(f"Order {order.order_number} is {shown}, {why}.",
                                code=_REFUSAL_CODES.get(event, "invalid_transition"))
    return status


def _current(order: Lsr) -> LsrStatus | None:
    """The order's status for the table; None while its first version is being decided."""
    return LsrStatus(order.status) if order.versions else None


F = TypeVar("F", bound=Callable[..., Any])


def _stepped(transition: F) -> F:
    """A transition on a context whose new versions and notices are written when it returns
    (Core INSERTs; the notices in one multi-row INSERT, `notices.Outbox`; on PostgreSQL all of
    the step's writes in one statement, `db.held_writes`); nested, the outer one writes. Every
    transition that records a version is one."""

    @functools.wraps(transition)
    def step(ctx: OrderContext, *args: Any, **kwargs: Any) -> Any:
        if ctx.cache.outbox is not None:
            return transition(ctx, *args, **kwargs)
        # the recipients the decision's facts loaded serve this step only
        ctx.cache.outbox = outbox = notices.Outbox(ctx.cache.addressees)
        ctx.cache.new_versions, ctx.cache.addressees = [], {}
        try:
            with held_writes(ctx.session):  # PostgreSQL: the step's writes as one statement
                result = transition(ctx, *args, **kwargs)
                _write_orders(ctx.session)
                _write_versions(ctx)
                outbox.write(ctx.session)  # its notices and their deliveries among them
        finally:
            ctx.cache.outbox, ctx.cache.new_versions = None, []
        return result

    return cast(F, step)


def _write_orders(session: Session) -> None:
    """Write the step's changes of order rows by a Core UPDATE of the changed columns (one
    statement per set of columns, compiled once) and mark the objects clean, instead of the
    unit of work's flush at commit (issue 17: the ORM flush of one row cost ~0.3 ms)."""
    for obj in list(session.dirty):
        if not isinstance(obj, Lsr):
            continue
        state = sa.inspect(obj)
        if not state.committed_state or not _LSR_COLUMN_KEYS.issuperset(state.committed_state):
            continue  # a relationship changed too: the unit of work writes it all at commit
        changed = {key: state.dict[key] for key in state.committed_state}
        _order_update(tuple(sorted(changed))).send(session.connection(),
                                                   {**changed, "order_id": obj.id})
        state._commit_all(state.dict, session.identity_map)


_ORDERS = cast(sa.Table, Lsr.__table__)
_LSR_COLUMN_KEYS = frozenset(c.key for c in _ORDERS.columns) - {"id"}


@functools.lru_cache(maxsize=64)
def _order_update(keys: tuple[str, ...]) -> Prepared:
    return Prepared(sa.update(_ORDERS).where(_ORDERS.c.id == sa.bindparam("order_id"))
                    .values(bound(_ORDERS, keys)))


# --- creating an order --------------------------------------------------------------------


def create_order(ctx: OrderContext, owner: Partner, pon: str | None, *,
                 received_at: datetime, lock_tns: Sequence[str] = ()) -> Lsr | None:
    """Insert the order row of a new PON (None when the sender already has one for it, §7.5).

    One INSERT ... ON CONFLICT DO NOTHING on the unique (owner, submitter, PON): of two
    identical submissions at the same moment the second waits for the first and then finds
    its order — no check-then-insert race, and no savepoint. On PostgreSQL the same statement
    locks the rows of the accounts holding `lock_tns` (`facts.lock_accounts`), so the
    facts read next see every decision on those accounts committed before; on SQLite the
    INSERT takes the single writer's lock, with the same effect.
    """
    values = dict(order_number=f"PG{secrets.token_hex(5).upper()}", owner_partner_id=owner.id,
                  submitter_partner_id=ctx.partner_id, ccna=owner.ccna, pon=pon, ver="",
                  # the first version is decided in this transaction, before any commit
                  status=LsrStatus.REJECTED, channel=ctx.channel, received_at=received_at,
                  payload={},
                  created_at=ctx.now, updated_at=ctx.now, due_date_sups=0, rejects=[],
                  foc_tns=[], disconnect_tns=[])
    postgres = ctx.session.get_bind().dialect.name == "postgresql"
    locking = bool(lock_tns) and postgres
    params = {**values, "tns": list(lock_tns)} if locking else values
    written = _new_order(postgres, locking, tuple(values)).execute(ctx.session.connection(),
                                                                   params)
    if not written:
        return None
    new_id = written[0][0]
    # the row as written, made the session's persistent object without reading it back
    order = adopt(ctx.session, unsaved(Lsr, dict.fromkeys(_LSR_COLUMN_KEYS) | values
                                       | {"id": new_id}))
    set_committed_value(order, "versions", [])  # a new order has none: no lazy load
    ctx.cache.fresh_order_id = order.id
    ctx.cache.locked_tns = frozenset(lock_tns)
    ctx.cache.locked_accounts = tuple(written[0][1] or ()) if locking else ()
    return order


@functools.lru_cache(maxsize=4)
def _new_order(postgres: bool, locking: bool, keys: tuple[str, ...]) -> Prepared:
    """The order row's INSERT (of these columns; the others take their server defaults) ...
    ON CONFLICT (owner, submitter, PON) DO NOTHING RETURNING id, per dialect (and, on
    PostgreSQL, with the accounts' locks riding on it), rendered once (`db.Prepared`: an ON
    CONFLICT statement is one SQLAlchemy cannot cache)."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = (postgresql.insert if postgres else sqlite.insert)(_ORDERS) \
        .values(bound(_ORDERS, keys)) \
        .on_conflict_do_nothing(index_elements=["owner_partner_id", "submitter_partner_id",
                                                "pon"])
    if not locking:
        return Prepared(insert.returning(_ORDERS.c.id))
    locked = lock_cte()
    # the accounts it locked come back with the id: the facts statement reads those accounts
    # instead of finding the TNs' holders again (`facts.order_facts`'s `accounts`)
    return Prepared(insert.add_cte(locked).returning(
        _ORDERS.c.id, sa.select(sa.func.array_agg(locked.c.account_number)).scalar_subquery()))


# --- a received version: FOC, reject or review --------------------------------------------


@dataclass(frozen=True)
class Received:
    """A version as received: what the order's history keeps of it."""

    ver: str
    sup: str | None
    payload: dict[str, Any]
    payload_hash: str
    received_at: datetime
    details: dict[str, Any]  # for the audit event (channel, attestation, ...)


@_stepped
def decide_received(ctx: OrderContext, order: Lsr, received: Received,
                    decision: LsrDecision) -> LsrStatus:
    """Record a new LSR or resubmission (§7.4) and the engine's outcome for it."""
    event = Event.REJECT if decision.findings else (
        Event.REVIEW if decision.review_reason else Event.FOC)
    before = _check(order, event)
    order.ver, order.payload, order.received_at = received.ver, received.payload, \
        received.received_at
    version = _version(ctx, order, received, LsrStatus.REJECTED)
    _apply(ctx, order, decision, version)
    audit.write(ctx.session, ctx.actor, f"lsr.{order.status}", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id,
                 before={"status": before.value if before else None},
                 after={"status": order.status, "ver": order.ver, "due_date": iso(order.due_date)},
                 details={"received_at": received.received_at.isoformat(), **received.details,
                          **_foc_clock(order)})
    return LsrStatus(order.status)


def _foc_clock(order: Lsr) -> dict[str, Any]:
    """An FOC's audit event keeps the §5.4 due time in force as it is issued: the desk's
    figures judge the FOC by it, whatever a later supplement or decision does to the order's
    own clock."""
    return {"foc_due_at": iso(order.foc_due_at)} if order.status == LsrStatus.FOC else {}


def _version(ctx: OrderContext, order: Lsr, received: Received, status: str,
             rejects: list[dict[str, Any]] | None = None,
             due_date: date | None = None) -> LsrVersion:
    """The version's object, on the order's history at once; its row is written when the step
    ends (`_write_versions`), with the outcome the step gave it."""
    version = unsaved(LsrVersion, dict(
        id=None, lsr_id=None, ver=received.ver, sup=received.sup, at=ctx.now,
        user_id=ctx.actor.user_id, payload=received.payload, payload_hash=received.payload_hash,
        status=status, rejects=rejects or [], due_date=due_date, note=None))
    set_committed_value(order, "versions", [*order.versions, version])
    ctx.cache.new_versions.append((order.id, version))
    return version


_VERSIONS = cast(sa.Table, LsrVersion.__table__)
_VERSION_COLUMNS = [c.key for c in _VERSIONS.columns if c.key not in ("id", "lsr_id")]
_NEW_VERSION = Prepared(sa.insert(_VERSIONS).values(bound(_VERSIONS, [*_VERSION_COLUMNS, "lsr_id"]))
                        .returning(_VERSIONS.c.id))


def _write_versions(ctx: OrderContext) -> None:
    """Insert the step's new versions by Core (RETURNING the id) and make each object the
    session's persistent row without reading it back."""
    pending, ctx.cache.new_versions = ctx.cache.new_versions, []
    for order_id, version in pending:
        values = {key: getattr(version, key) for key in _VERSION_COLUMNS}
        _NEW_VERSION.send(ctx.session.connection(), {**values, "lsr_id": order_id},
                          functools.partial(_version_written, ctx.session, version, order_id))


def _version_written(session: Session, version: LsrVersion, order_id: int,
                     rows: list[Any]) -> None:
    """The version's row is written (its id returned): the object becomes persistent."""
    version.id, version.lsr_id = rows[0][0], order_id
    adopt(session, version)


def _apply(ctx: OrderContext, order: Lsr, decision: LsrDecision, version: LsrVersion) -> None:
    """Write the engine's decision on the order and its version; queue the notices."""
    order.updated_at = ctx.now
    order.account_number = decision.account_number
    order.port_type = decision.port_type
    nnsp = text_of(order.payload, "nnsp") or text_of(order.payload, "cc")
    order.nnsp = nnsp.upper()[:4] if nnsp else None
    if decision.receipt is not None:
        order.effective_received_at = decision.receipt.effective_received_at
        order.receipt_day = decision.receipt.receipt_day
    else:
        order.effective_received_at, order.receipt_day = order.received_at, None
    order.foc_overdue_at = None  # a new version starts its clocks afresh (§7.4)
    order.review_rule = decision.review_rule  # §11.3: which risk rule sent it to staff
    if decision.findings:
        rejects = [f.as_dict() for f in decision.findings]
        if decision.passcode_failed and decision.account_number:
            until = _passcode_failure(ctx, decision.account_number, order, decision.tns)
            if until is not None:  # the reject says the account is now locked (§4.5)
                rejects = [_lock_warning(r, until) if r["code"] == "R306" else r
                           for r in rejects]
        _reject(ctx, order, version, rejects)
    elif decision.review_reason:
        _to_review(ctx, order, decision, version)
    else:
        order.foc_due_at = decision.foc_due_at  # §5.4 clock, met at once by an automatic FOC
        order.due_time = None  # only the desk sets a cut time (§13.2)
        _issue_foc(ctx, order, decision.due_date, version, tns=decision.tns,
                   disconnect=decision.disconnect_tns, new_btn=decision.new_btn)



def _clear_foc(order: Lsr) -> None:
    order.due_date, order.foc_due_at, order.foc_issued_at, order.window_ends_at = \
        None, None, None, None
    order.due_time = None
    order.foc_tns, order.disconnect_tns, order.new_btn = [], [], None


def _reject(ctx: OrderContext, order: Lsr, version: LsrVersion, rejects: list[dict[str, Any]],
            remarks: str | None = None) -> None:
    """Reject the version (automatic or staff): no dates, no TNs held, one wording (§7.3)."""
    order.status, order.rejects, order.review_reason = LsrStatus.REJECTED, rejects, None
    _clear_foc(order)
    version.status, version.rejects, version.due_date = LsrStatus.REJECTED.value, rejects, None
    if remarks:
        version.note = remarks
    _index(ctx, order, ())
    lines = [f"Your LSR PON {order.pon} VER {order.ver} (order {order.order_number}) was "
             "rejected:"]
    lines += [f"  {r['code']} {r['field']}: {r['message']}" for r in rejects]
    if remarks:
        lines.append(f"Remarks of the LNP desk: {remarks}")
    _notify(ctx.session, order, "lsr.rejected", now=ctx.now, outbox=ctx.cache.outbox,
            subject=f"Reject: PON {order.pon} VER {order.ver}", body="\n".join(lines))


def _to_review(ctx: OrderContext, order: Lsr, decision: LsrDecision,
               version: LsrVersion) -> None:
    order.status, order.review_reason, order.rejects = \
        LsrStatus.MANUAL_REVIEW, decision.review_reason, []
    _clear_foc(order)
    order.due_date, order.foc_due_at = decision.due_date, decision.foc_due_at
    order.foc_tns, order.disconnect_tns = list(decision.tns), list(decision.disconnect_tns)
    order.new_btn = decision.new_btn
    with ctx.session.no_autoflush:
        order.state = _account_contact(ctx, order)[0]  # the zone of a SUP 2's receipt (§6.2)
    version.status, version.due_date = LsrStatus.MANUAL_REVIEW.value, decision.due_date
    _index(ctx, order, decision.tns)
    _notify(ctx.session, order, "lsr.manual_review", now=ctx.now, outbox=ctx.cache.outbox,
            subject=f"In review ({decision.review_reason}): PON {order.pon}",
            body=f"PON {order.pon} VER {order.ver} awaits the carrier's LNP desk "
                 f"({decision.review_reason}); the FOC is due by {iso(decision.foc_due_at)}.")


def _issue_foc(ctx: OrderContext, order: Lsr, due_date: date | None, version: LsrVersion, *,
               tns: Sequence[str], disconnect: Sequence[str], new_btn: str | None) -> None:
    """Confirm the order with its due date and open the porting window (§5.3, §5.5)."""
    assert due_date is not None
    order.status, order.review_reason, order.rejects = LsrStatus.FOC, None, []
    order.due_date, order.foc_issued_at = due_date, ctx.now
    order.foc_tns, order.disconnect_tns, order.new_btn = list(tns), list(disconnect), new_btn
    with ctx.session.no_autoflush:  # the order's rows are written once, below, not twice
        state, email = _account_contact(ctx, order)
    order.state = state
    order.window_ends_at = porting_window(due_date, state, ctx.profile)[1] if state else None
    version.status, version.due_date = LsrStatus.FOC.value, due_date
    _index(ctx, order, tns)
    _concur_waiting(ctx.registry, tns, order.nnsp, now=ctx.now, open_svs=_loaded_svs(ctx, tns))
    cut = cut_words(order, ctx.profile)  # §13.2: a coordinated FOC names its time and zone
    _notify(ctx.session, order, "lsr.foc", now=ctx.now, outbox=ctx.cache.outbox,
            subject=f"FOC: PON {order.pon} due {due_date.isoformat()}"
                    + (f" {order.due_time}" if order.due_time else ""),
            body=f"PON {order.pon} VER {order.ver} is confirmed (order {order.order_number}); "
                 f"due date {due_date.isoformat()}{f' (coordinated cut at {cut})' if cut else ''}"
                 f"{_moved(order)}; TNs {', '.join(tns)}.")
    if email:
        _end_user_port_notice(ctx, order, email)


def _moved(order: Lsr) -> str:
    """" (you asked …; the earliest is … (§5.3))" when the FOC date is not the date asked."""
    note = due_date_note(order)
    return f" ({note})" if note else ""


def _account_contact(ctx: OrderContext, order: Lsr) -> tuple[str | None, str | None]:
    """The account's state and end-user email (as the decision loaded it, else one query)."""
    if not order.account_number:
        return None, None
    account = ctx.cache.accounts.get(order.account_number)
    if account is not None:
        return account.state, account.contact_email
    row = ctx.session.execute(sa.select(Account.state, Account.contact_email).where(
        Account.account_number == order.account_number)).first()
    return (row[0], row[1]) if row else (None, None)


def _loaded_svs(ctx: OrderContext, tns: Sequence[str]) -> list[Any] | None:
    """The open SVs the decision loaded, if it loaded them for these TNs."""
    asked, svs = ctx.cache.open_svs
    return svs if svs is not None and set(tns) <= asked else None


def _concur_waiting(registry: Registry, tns: Sequence[str], spid: str | None, *, now: datetime,
                    open_svs: list[Any] | None = None) -> int:
    """Concur the SVs the new provider created before its FOC (§9.2: conflict cause 50, "LSR
    Not Received", is lifted once an FOC covers the TN for that SPID); return how many."""
    from npac.interface import LSR_NOT_RECEIVED

    if not spid or not tns:
        return 0
    if open_svs is None:
        open_svs = registry.subscriptions_for_tns(list(tns), statuses=["conflict"])
    wanted = set(tns)
    waiting = [sv for sv in open_svs if sv.tn in wanted and sv.status == "conflict"
               and sv.new_spid == spid and sv.conflict_cause == LSR_NOT_RECEIVED]
    for sv in waiting:
        registry.concur(sv.id, now=now)
    return len(waiting)


def _index(ctx: OrderContext, order: Lsr, tns: Iterable[str]) -> None:
    """Keep the open-order index (§2.4) equal to the order's TNs while it is open; a fresh
    order has no rows to delete."""
    fresh = ctx.cache.fresh_order_id == order.id
    ctx.cache.fresh_order_id = None
    _set_index(ctx.session, order, tns, fresh=fresh)


def _set_index(session: Session, order: Lsr, tns: Iterable[str], *, fresh: bool = False) -> None:
    """The index rows by Core statements built once (nothing of the index is ORM state)."""
    connection = session.connection()
    if not fresh:
        _INDEX_DELETE.execute(connection, {"lsr_id": order.id})
    tns = list(tns)
    if not tns:
        return
    if connection.dialect.name == "postgresql":  # one statement whatever the TN count
        _INDEX_INSERT_ARRAY.send(connection, {"lsr_id": order.id, "tns": tns})
    else:  # sqlite3's executemany loops in C within one statement's preparation
        _INDEX_INSERT.execute_many(connection, [{"lsr_id": order.id, "tn": tn} for tn in tns])


_INDEX = cast(sa.Table, LsrTn.__table__)
_INDEX_DELETE = Prepared(sa.delete(_INDEX).where(_INDEX.c.lsr_id == sa.bindparam("lsr_id")))
_INDEX_INSERT = Prepared(sa.insert(_INDEX).values(bound(_INDEX, ("lsr_id", "tn"))))
_INDEX_INSERT_ARRAY = Prepared(sa.insert(_INDEX).from_select(
    ["lsr_id", "tn"],
    sa.select(sa.bindparam("lsr_id", type_=sa.Integer),
              sa.func.unnest(text_array("tns")))))


def _notify(session: Session, order: Lsr, event: str, *, now: datetime, subject: str,
            body: str, data: dict[str, Any] | None = None,
            outbox: notices.Outbox | None = None) -> None:
    """Queue the notice to the carrier and, for an order an agent sent, to the agent while its
    approval is live and includes `view` (§10.3)."""
    data = data if data is not None else lsr_body(order)
    owner = session.get(Partner, order.owner_partner_id)
    _emit(session, outbox, event, owner, data, now=now, lsr_id=order.id, subject=subject,
          body=body)
    agent_id = agent_notified(session, order)
    if agent_id is not None:
        _emit(session, outbox, event, session.get(Partner, agent_id), data, now=now,
              lsr_id=order.id, subject=subject, body=body)


def _emit(session: Session, outbox: notices.Outbox | None, event: str, partner: Partner | None,
          data: dict[str, Any], **values: Any) -> None:
    """Into the step's outbox when it has one (written at its end), else at once."""
    if outbox is not None:
        outbox.add(session, event, partner, data, **values)
    else:
        notices.emit(session, event, partner, data, **values)




def _end_user_port_notice(ctx: OrderContext, order: Lsr, email: str) -> None:
    """§10.2: one email per accepted LSR: TNs, requesting carrier, due date, how to stop it."""
    owner = ctx.session.get(Partner, order.owner_partner_id)
    name = owner.name if owner else order.ccna
    due = order.due_date.isoformat() if order.due_date else ""
    tns = ", ".join(order.foc_tns)
    link = f"{ctx.base_url.rstrip('/')}/stop/{new_dispute_link(ctx.session, order, now=ctx.now)}"
    _emit(ctx.session, ctx.cache.outbox, "enduser.port_notice", None,
          {"lsr_id": order.id, "tns": list(order.foc_tns), "due_date": due,
                  "requesting_carrier": name}, now=ctx.now, lsr_id=order.id, emails=[email],
                 subject=f"{ctx.profile.carrier_name}: request to move your numbers",
                 body=(f"{name} ({order.ccna}) asked to move your telephone numbers {tns} to its "
                       f"service on {due}. If you did not ask for this, call "
                       f"{ctx.profile.carrier_name} at {ctx.profile.enduser_phone} before that "
                       f"date to stop it, or open this link to stop it yourself: {link}"))


def _lock_warning(reject: dict[str, Any], until: datetime) -> dict[str, Any]:
    return {**reject, "message": f"{reject['message']} — this was the last failure allowed: "
            f"port-outs from the account are now locked until {iso(until)} (R308, §4.5); "
            "the end user can have the LNP desk lift it"}


def _passcode_failure(ctx: OrderContext, account_number: str, order: Lsr,
                      tns: Sequence[str]) -> datetime | None:
    """Count a failed passcode; the 5th within 24 hours locks port-outs for 24 hours, and the
    end user is told which TNs, which carrier and which due date (§4.5, §10.2)."""
    ctx.session.add(PasscodeFailure(account_number=account_number, partner_id=ctx.partner_id,
                                    at=ctx.now))
    window = timedelta(hours=ctx.profile.passcode_lock_hours)
    failures = ctx.session.scalar(sa.select(sa.func.count()).select_from(PasscodeFailure).where(
        PasscodeFailure.account_number == account_number,
        PasscodeFailure.at > ctx.now - window)) or 0
    account = ctx.session.get(Account, account_number)
    if account is None:
        return None
    locked = failures >= ctx.profile.passcode_lock_failures
    if locked:
        account.locked_until = ctx.now + window
        audit.write(ctx.session, ctx.actor, "account.locked", "account", account_number,
                     now=ctx.now, details={"failures": failures, "lsr": order.id})
    if not account.contact_email:
        return account.locked_until if locked else None
    owner = ctx.session.get(Partner, order.owner_partner_id)  # an agent's carrier (§1.1)
    carrier = owner.name if owner else order.ccna
    # §10.2: the date written YYYY-MM-DD, never the requester's own text in the carrier's
    # warning to its customer
    asked = _asked_date(order)
    ddd = asked.isoformat() if asked is not None else "not given"
    listed = ", ".join(tns) or "none"
    _emit(ctx.session, ctx.cache.outbox, "enduser.passcode_failed", None,
                 {"account_number": account_number, "requesting_carrier": carrier,
                  "tns": list(tns), "due_date": ddd}, now=ctx.now,
                 emails=[account.contact_email], lsr_id=order.id,
                 subject=f"{ctx.profile.carrier_name}: wrong port-out passcode",
                 body=(f"{carrier} asked to move your telephone numbers {listed} (due date "
                       f"{ddd}) with a wrong passcode."
                       + (" Port-outs from your account are locked for 24 hours." if locked
                          else "")
                       + f" If you did not ask to move your numbers, call "
                         f"{ctx.profile.carrier_name} at {ctx.profile.enduser_phone}."))
    return account.locked_until if locked else None


def _asked_date(order: Lsr) -> date | None:
    """The due date the LSR asked for, when it is a date (YYYY-MM-DD, blanks around)."""
    text = text_of(order.payload, "ddd")
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


# --- staff decisions (§7.2) --------------------------------------------------------------


@_stepped
def staff_foc(ctx: OrderContext, order: Lsr, due_date: date, *,
              details: dict[str, Any], due_time: str | None = None) -> None:
    """Issue the FOC with the desk's date (and, for a coordinated cut, its time: §13.2) on an
    order awaiting staff."""
    _check(order, Event.STAFF_FOC)
    before = {"status": order.status, "review_reason": order.review_reason}
    *earlier, version = _awaiting_staff(order)
    order.due_time = due_time
    _issue_foc(ctx, order, due_date, version, tns=list(order.foc_tns),
               disconnect=list(order.disconnect_tns), new_btn=order.new_btn)
    for waiting in earlier:  # answered by the same FOC
        waiting.status, waiting.due_date = LsrStatus.FOC.value, due_date
    if order.hold:  # FOC'd, still held: the desk releases or cancels it next (§11.2)
        order.review_reason = "dispute"
    order.updated_at = ctx.now
    audit.write(ctx.session, ctx.actor, "lsr.staff_foc", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id, before=before,
                 after={"status": order.status, "due_date": iso(order.due_date),
                        **({"due_time": due_time} if due_time else {})},
                 details={**details, **_foc_clock(order)})


@_stepped
def staff_reject(ctx: OrderContext, order: Lsr, codes: Sequence[str], remarks: str) -> None:
    """Reject an order awaiting staff with codes and remarks: as an automatic reject does."""
    _check(order, Event.STAFF_REJECT)
    before = {"status": order.status, "review_reason": order.review_reason}
    rejects = [{"code": c, "field": REJECT_CODES[c].field,
                "message": REJECT_CODES[c].message + (f" — {remarks}" if remarks else "")}
               for c in codes]
    *earlier, version = _awaiting_staff(order)
    _reject(ctx, order, version, rejects, remarks=remarks or None)
    for waiting in earlier:  # answered by the same reject
        waiting.status, waiting.rejects, waiting.due_date = \
            LsrStatus.REJECTED.value, rejects, None
    if order.hold:  # rejected: no FOC is left to hold
        _end_hold(ctx.session, order, "rejected", actor=ctx.actor, now=ctx.now,
                  remarks=remarks or None)
    order.updated_at = ctx.now
    audit.write(ctx.session, ctx.actor, "lsr.staff_reject", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id, before=before,
                 after={"status": order.status, "due_date": None},
                 details={"remarks": remarks, "codes": list(codes)})


def _awaiting_staff(order: Lsr) -> list[LsrVersion]:
    """The versions a staff decision answers, oldest first: every one whose outcome is still
    `manual_review` — the version that sent the order to review and any SUP 2 or SUP 3
    accepted while it waited — so none is left awaiting the desk once it has decided (the
    desk's figures read a new LSR's outcome on its own version). A supplement rejected
    meanwhile changed nothing (§6.5) and keeps its own outcome, never the desk's (§7.3)."""
    waiting = [v for v in order.versions if v.status == LsrStatus.MANUAL_REVIEW.value]
    return waiting or [order.versions[-1]]


# --- notes (§13.1) -----------------------------------------------------------------------


def note_written(session: Session, order: Lsr, note: OrderNote, data: dict[str, Any], *,
                 actor: Actor, now: datetime, profile: CarrierProfile) -> None:
    """A note was written on the order: who the order waits for changes, the note is audited
    and notified to the other side (§13.1; `data` is the note's body).

    Staff asking for information make the order await the partner; any staff note answers the
    partner's pending note. A partner's note answers a request for information; after one, or
    on an order awaiting staff (in review, or held), it waits for the desk's answer in the
    staff queue."""
    _check(order, Event.NOTE)
    before = {"awaiting_partner": order.awaiting_partner,
              "note_due_at": iso(order.note_due_at)}
    if note.author_kind == "staff":
        order.note_due_at = None
        if note.request_info:
            order.awaiting_partner_since = order.awaiting_partner_since or now
    else:
        asked = order.awaiting_partner_since is not None
        order.awaiting_partner_since = None
        # an order awaits staff in review, and while held after the end user's dispute (the
        # desk releases or cancels it, §11.2)
        awaits_staff = order.status == LsrStatus.MANUAL_REVIEW or order.hold is not None
        if order.note_due_at is None and (asked or awaits_staff):
            state = order.state or _eu_state(order) or ""
            order.note_due_at = add_business_hours(
                now, profile.escalation_ack_business_hours, state, profile)
    order.updated_at = now
    audit.write(session, actor, "lsr.note", "lsr", order.id, now=now,
                 partner_id=order.owner_partner_id, before=before,
                 after={"awaiting_partner": order.awaiting_partner,
                        "note_due_at": iso(order.note_due_at)},
                 details={"note": note.id, "request_info": note.request_info,
                          "attachment": note.attachment_filename})
    payload = {"lsr": lsr_body(order), "note": data}
    subject = (f"Information requested: PON {order.pon}" if note.request_info
               else f"Note on PON {order.pon}")
    text = f"{note.author_name} wrote on PON {order.pon} (order {order.order_number}):\n" \
           f"{note.text}"
    if note.author_kind == "staff":
        _notify(session, order, "lsr.note", now=now, subject=subject, body=text, data=payload)
    else:  # to the desk: the outbox and, when it waits for an answer, the staff queue
        notices.emit(session, "lsr.note", None, payload, now=now, lsr_id=order.id,
                     subject=subject, body=text)


def _eu_state(order: Lsr) -> str | None:
    eu = order.payload.get("eu") if isinstance(order.payload, dict) else None
    state = eu.get("state") if isinstance(eu, dict) else None
    return state.strip().upper()[:2] if isinstance(state, str) else None


# --- supplements (§6) --------------------------------------------------------------------


@_stepped
def cancel(ctx: OrderContext, order: Lsr, received: Received, *,
           reason: str | None = None) -> LsrVersion:
    """SUP 1: cancel the order and its pending SVs (§6.1)."""
    before = _check(order, Event.SUP_CANCEL)
    order.status, order.closed_at, order.updated_at = LsrStatus.CANCELED, ctx.now, ctx.now
    order.ver = received.ver
    version = _version(ctx, order, received, LsrStatus.CANCELED.value)
    _index(ctx, order, ())
    canceled = _cancel_own_svs(ctx.registry, order, now=ctx.now)
    if order.hold:  # a SUP 1 ends the hold with the order (§11.2)
        _end_hold(ctx.session, order, "sup_canceled", actor=ctx.actor, now=ctx.now)
    audit.write(ctx.session, ctx.actor, "lsr.canceled", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id,
                 before={"status": before.value if before else None},
                 after={"status": LsrStatus.CANCELED.value, "svs_canceled": canceled},
                 details={"reason": reason} if reason else None)
    _notify(ctx.session, order, "lsr.canceled", now=ctx.now, outbox=ctx.cache.outbox,
            subject=f"Canceled: PON {order.pon}",
            body=f"PON {order.pon} (order {order.order_number}) is canceled at your request.")
    return version


@_stepped
def change_due_date(ctx: OrderContext, order: Lsr, received: Received,
                    due_date: date) -> LsrVersion:
    """SUP 2: a new due date; an FOC order gets its FOC again with the new date (§6.2)."""
    _check(order, Event.SUP_DUE_DATE)
    before = {"status": order.status, "due_date": iso(order.due_date)}
    order.payload = {**order.payload, "ddd": received.payload.get("ddd")}
    order.ver, order.updated_at = received.ver, ctx.now
    order.due_date_sups += 1
    version = _version(ctx, order, received, order.status, due_date=due_date)
    order.due_date = due_date
    if order.status == LsrStatus.FOC:
        order.foc_issued_at = ctx.now
        if order.state:
            order.window_ends_at = porting_window(due_date, order.state, ctx.profile)[1]
        cut = cut_words(order, ctx.profile)  # §13.2: a SUP 2 keeps the time of day
        _notify(ctx.session, order, "lsr.foc", now=ctx.now, outbox=ctx.cache.outbox,
                subject=f"FOC (new due date): PON {order.pon} due {due_date.isoformat()}",
                body=f"PON {order.pon} VER {order.ver}: the due date is now "
                     f"{due_date.isoformat()}{f' (coordinated cut at {cut})' if cut else ''}"
                     f"{_moved(order)}.")
    audit.write(ctx.session, ctx.actor, "lsr.due_date_changed", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id, before=before,
                 after={"status": order.status, "due_date": due_date.isoformat()})
    return version


@_stepped
def correct(ctx: OrderContext, order: Lsr, received: Received, decision: LsrDecision, *,
            order_payload: dict[str, Any]) -> LsrVersion:
    """SUP 3 accepted: the order takes the corrected body, decided as of the supplement."""
    before = _check(order, Event.SUP_CORRECT)
    order.payload, order.ver, order.received_at = order_payload, received.ver, \
        received.received_at  # now, or when a faxed SUP 3 arrived (manual entry)
    version = _version(ctx, order, received, LsrStatus.FOC.value)
    _apply(ctx, order, decision, version)
    if order.hold and order.status in (LsrStatus.FOC, LsrStatus.MANUAL_REVIEW):
        # the dispute stands, back in staff review too: only the desk's release or cancel,
        # expiry or a SUP 1 end it (§11.2), so a correction cannot take the order out of it
        order.review_reason = "dispute"
    elif order.hold:  # rejected: no FOC is left to hold
        _end_hold(ctx.session, order, "superseded", actor=ctx.actor, now=ctx.now)
    audit.write(ctx.session, ctx.actor, "lsr.corrected", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id,
                 before={"status": before.value if before else None},
                 after={"status": order.status, "due_date": iso(order.due_date)})
    return version


@_stepped
def reject_supplement(ctx: OrderContext, order: Lsr, received: Received | None,
                      rejects: list[dict[str, Any]], *, account_number: str | None = None,
                      passcode_failed: bool = False) -> LsrVersion | None:
    """§6.5: the order stays as it was; the supplement shows in its history with its rejects
    (when its VER is new: a VER already used cannot key a second version)."""
    _check(order, Event.SUP_REJECT)
    version = None
    if received is not None and not any(v.ver == received.ver for v in order.versions):
        version = _version(ctx, order, received, LsrStatus.REJECTED.value, rejects=rejects)
    if passcode_failed and account_number:  # §4.5 counts every wrong passcode
        _passcode_failure(ctx, account_number, order, list(order.foc_tns))
    order.updated_at = ctx.now
    audit.write(ctx.session, ctx.actor, "lsr.supplement_rejected", "lsr", order.id,
                 now=ctx.now, partner_id=order.owner_partner_id,
                 details={"sup": received.sup if received else None,
                          "ver": received.ver if received else None, "rejects": rejects})
    return version


# --- the end user's dispute and the hold (§11.2) ----------------------------------------

HOLD_CONFLICT_CAUSE = 54  # NPAC "General Conflict": the end user disputed the port


def held_message(order: Lsr) -> str:
    return (f"Order {order.order_number} (PON {order.pon}) is on hold: the end user disputed "
            "the port; the carrier's LNP desk must release it first.")


def open_hold(session: Session, order: Lsr) -> OrderHold | None:
    """The order's hold in force, if any."""
    return session.scalar(sa.select(OrderHold).where(
        OrderHold.lsr_id == order.id, OrderHold.ended_at.is_(None)).order_by(OrderHold.id))


def _cancel_own_svs(registry: Registry, order: Lsr, *, now: datetime) -> int:
    """Cancel the order's pending and conflict SVs: its TNs, its NNSP (§6.1, §5.5, §11.2);
    another provider's SV on the same TN is that provider's, not the order's."""
    if not order.foc_tns or not order.nnsp:
        return 0
    return registry.cancel_pending(list(order.foc_tns), now=now, new_spid=order.nnsp)


def hold(ctx: OrderContext, order: Lsr, *, due_at: datetime | None) -> OrderHold:
    """The end user disputed the port: hold the order (status stays `foc`), put its pending
    SVs (its TNs, its NNSP) into conflict cause 54, tell the partner (`lsr.disputed`)."""
    _check(order, Event.HOLD)
    if order.hold:
        raise TransitionRefused(held_message(order), code="not_disputable")
    svs = [sv for sv in ctx.registry.subscriptions_for_tns(list(order.foc_tns),
                                                           statuses=["pending"])
           if sv.new_spid == order.nnsp]
    for sv in svs:
        ctx.registry.put_in_conflict(sv.id, HOLD_CONFLICT_CAUSE, now=ctx.now)
    held = OrderHold(lsr_id=order.id, reason="dispute", started_at=ctx.now, due_at=due_at,
                     ip=(ctx.actor.ip or None), sv_ids=[sv.id for sv in svs])
    ctx.session.add(held)
    order.hold, order.review_reason, order.updated_at = "dispute", "dispute", ctx.now
    audit.write(ctx.session, ctx.actor, "lsr.disputed", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id, before={"hold": None},
                 after={"hold": "dispute", "svs_conflicted": [sv.id for sv in svs]})
    _notify(ctx.session, order, "lsr.disputed", now=ctx.now, outbox=ctx.cache.outbox,
            subject=f"Disputed by the end user: PON {order.pon}",
            body=f"The end user disputed PON {order.pon} (order {order.order_number}): the "
                 f"order is on hold and cannot be activated; its pending subscription versions "
                 f"are in conflict (cause {HOLD_CONFLICT_CAUSE}). The LNP desk will release or "
                 "cancel it; call the desk with the end user's authorization.")
    return held


def hold_new_sv(session: Session, registry: Registry, order: Lsr, sv_id: int, *,
                now: datetime) -> None:
    """An SV the new provider created while the order is held goes to conflict 54 too."""
    held = open_hold(session, order)
    if held is None:
        return
    registry.put_in_conflict(sv_id, HOLD_CONFLICT_CAUSE, now=now)
    held.sv_ids = [*held.sv_ids, sv_id]


def _held(ctx: OrderContext, order: Lsr, event: Event) -> OrderHold:
    _check(order, event)
    held = open_hold(ctx.session, order) if order.hold else None
    if held is None:
        raise TransitionRefused(f"Order {order.order_number} is not on hold.",
                                code="not_on_hold")
    return held


def _end_hold(session: Session, order: Lsr, outcome: str, *, actor: Actor, now: datetime,
              remarks: str | None = None) -> None:
    held = open_hold(session, order)
    if held is not None:
        held.ended_at, held.outcome, held.ended_by_user_id = now, outcome, actor.user_id
        held.remarks = remarks or None
    order.hold = None
    if order.review_reason == "dispute":
        order.review_reason = None


def release(ctx: OrderContext, order: Lsr, *, remarks: str = "") -> None:
    """Staff end the hold: exactly the SVs it conflicted return to pending, concurred."""
    held = _held(ctx, order, Event.RELEASE)
    wanted = set(held.sv_ids)
    svs = [sv for sv in ctx.registry.subscriptions_for_tns(list(order.foc_tns),
                                                           statuses=["conflict"])
           if sv.id in wanted and sv.conflict_cause == HOLD_CONFLICT_CAUSE]
    for sv in svs:
        ctx.registry.concur(sv.id, now=ctx.now)
    _end_hold(ctx.session, order, "released", actor=ctx.actor, now=ctx.now, remarks=remarks)
    order.updated_at = ctx.now
    audit.write(ctx.session, ctx.actor, "lsr.released", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id, before={"hold": "dispute"},
                 after={"hold": None, "svs_concurred": [sv.id for sv in svs]},
                 details={"remarks": remarks} if remarks else None)
    _notify(ctx.session, order, "lsr.released", now=ctx.now, outbox=ctx.cache.outbox,
            subject=f"Hold released: PON {order.pon}",
            body=f"The LNP desk released the hold on PON {order.pon} (order "
                 f"{order.order_number}); its subscription versions are concurred again and "
                 f"it may be activated in its porting window (due {iso(order.due_date)}).")


def cancel_held(ctx: OrderContext, order: Lsr, *, remarks: str = "") -> None:
    """Staff cancel a held order: canceled, reason end_user_dispute, pending SVs canceled."""
    held = _held(ctx, order, Event.HOLD_CANCEL)
    assert held is not None
    order.status, order.closed_at, order.updated_at = LsrStatus.CANCELED, ctx.now, ctx.now
    order.cancel_reason = "end_user_dispute"
    _index(ctx, order, ())
    canceled = _cancel_own_svs(ctx.registry, order, now=ctx.now)
    _end_hold(ctx.session, order, "canceled", actor=ctx.actor, now=ctx.now, remarks=remarks)
    audit.write(ctx.session, ctx.actor, "lsr.canceled", "lsr", order.id, now=ctx.now,
                 partner_id=order.owner_partner_id, before={"status": LsrStatus.FOC.value,
                                                            "hold": "dispute"},
                 after={"status": LsrStatus.CANCELED.value, "svs_canceled": canceled,
                        "cancel_reason": "end_user_dispute"},
                 details={"reason": "end_user_dispute", "remarks": remarks})
    _notify(ctx.session, order, "lsr.canceled", now=ctx.now, outbox=ctx.cache.outbox,
            subject=f"Canceled (end user dispute): PON {order.pon}",
            body=f"PON {order.pon} (order {order.order_number}) is canceled: the end user "
                 "disputed the port and the LNP desk canceled it (end_user_dispute)."
                 + (f" Remarks: {remarks}" if remarks else ""))


# --- clocks (§5.4, §5.5) ----------------------------------------------------------------


def flag_foc_overdue(session: Session, order: Lsr, *, actor: Actor, now: datetime) -> None:
    """The desk's FOC due time passed: flag the order once and tell the partner (jeopardy)."""
    _check(order, Event.FOC_OVERDUE)
    order.foc_overdue_at = now
    audit.write(session, actor, "lsr.foc_overdue", "lsr", order.id, now=now,
                 partner_id=order.owner_partner_id, after={"foc_due_at": iso(order.foc_due_at)})
    _notify(session, order, "lsr.foc_overdue", now=now, subject=f"FOC overdue: PON {order.pon}",
            body=f"The FOC for PON {order.pon} (order {order.order_number}) was due "
                 f"{iso(order.foc_due_at)}; the LNP desk is working on it. You may escalate "
                 "the order (reason foc_overdue).")


def expire(session: Session, registry: Registry, order: Lsr, *, actor: Actor,
           now: datetime) -> None:
    """The porting window closed with nothing activated: expire, cancel pending SVs (§5.5)."""
    _check(order, Event.EXPIRE)
    order.status, order.closed_at, order.updated_at = LsrStatus.EXPIRED, now, now
    _set_index(session, order, ())
    canceled = _cancel_own_svs(registry, order, now=now)
    if order.hold:  # a hold moves no window: it ends with the order (§11.2)
        _end_hold(session, order, "expired", actor=actor, now=now)
    audit.write(session, actor, "lsr.expired", "lsr", order.id, now=now,
                 partner_id=order.owner_partner_id, before={"status": LsrStatus.FOC.value},
                 after={"status": LsrStatus.EXPIRED.value, "svs_canceled": canceled})
    _notify(session, order, "lsr.expired", now=now, subject=f"Expired: PON {order.pon}",
            body=f"PON {order.pon} was not activated in its porting window; send a new LSR.")


# --- NPAC activation and completion (§9.3) ----------------------------------------------


def activated(session: Session, registry: Registry, order: Lsr, tn: str, *, actor: Actor,
              now: datetime) -> bool:
    """A TN of the order was activated: it is ported out on its account; when every TN of the
    order is active the order completes. Return True when it completed."""
    _check(order, Event.ACTIVATE)
    if order.hold:
        raise TransitionRefused(held_message(order), code="not_activatable")
    session.execute(sa.update(Tn).where(Tn.tn == tn).values(status="ported_out", changed_at=now))
    active = {sv.tn for sv in registry.subscriptions_for_tns(order.foc_tns, statuses=["active"])
              if sv.new_spid == order.nnsp}
    if not set(order.foc_tns) <= active:
        return False
    _complete(session, order, actor=actor, now=now)
    return True


def _complete(session: Session, order: Lsr, *, actor: Actor, now: datetime) -> None:
    _check(order, Event.COMPLETE)
    order.status, order.closed_at, order.updated_at = LsrStatus.COMPLETED, now, now
    _set_index(session, order, ())
    if order.disconnect_tns:  # §4.6: the account's working lines it names (one another order
        # ported out meanwhile is that order's, not a disconnect)
        session.execute(sa.update(Tn).where(Tn.tn.in_(order.disconnect_tns),
                                            Tn.account_number == order.account_number,
                                            Tn.status == "working")
                        .values(status="disconnected", changed_at=now))
    working = list(session.scalars(sa.select(Tn.tn).where(
        Tn.account_number == order.account_number, Tn.status == "working").order_by(Tn.tn)))
    remaining = len(working)
    new_btn = _new_btn(order, working)
    account = sa.update(Account).where(Account.account_number == order.account_number)
    if remaining == 0:
        session.execute(account.values(closed_at=now))
    elif new_btn:  # §4.6: the BTN left in a partial port; NAN is the account's new BTN
        session.execute(account.values(btn=new_btn))
    audit.write(session, actor, "lsr.completed", "lsr", order.id, now=now,
                 partner_id=order.owner_partner_id, before={"status": LsrStatus.FOC.value},
                 after={"status": LsrStatus.COMPLETED.value, "account_closed": remaining == 0,
                        "new_btn": new_btn if remaining else None})
    _notify(session, order, "lsr.completed", now=now, subject=f"Completed: PON {order.pon}",
            body=f"PON {order.pon} (order {order.order_number}) is complete.")


def _new_btn(order: Lsr, working: list[str]) -> str | None:
    """The account's BTN after a partial port: the NAN when it is still a working line of the
    account (§4.6: "a working TN of the account that stays"); when another order ported it
    out meanwhile, the account's first working line; None when the order named no new BTN."""
    if not order.new_btn:
        return None
    return order.new_btn if order.new_btn in working else (working[0] if working else None)


def require_codes(codes: Sequence[Any], remarks: str) -> list[str]:
    """§7.2: a staff reject needs at least one known code, and R901 needs remarks."""
    chosen = [c for c in codes if isinstance(c, str)]
    unknown = [c for c in chosen if c not in REJECT_CODES]
    if not chosen:
        raise InvalidInput("A reject needs at least one reject code.", code="codes_required")
    if unknown:
        raise InvalidInput(f"Unknown reject codes: {', '.join(unknown[:5])}.",
                           code="invalid_codes")
    if "R901" in chosen and not remarks.strip():
        raise InvalidInput("R901 (rejected by carrier staff) needs remarks saying why.",
                           code="remarks_required")
    return list(dict.fromkeys(chosen))


def local_date(ctx: OrderContext, order: Lsr) -> date | None:
    """Today in the zone of the order's account (§5.1), for the desk's date checks."""
    from zoneinfo import ZoneInfo

    state = order.state or _account_contact(ctx, order)[0]
    zone = ctx.profile.states.get(state or "")
    return ctx.now.astimezone(ZoneInfo(zone)).date() if zone else None
