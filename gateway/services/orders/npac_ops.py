"""The new provider's side of NPAC (§9): SVs concur with an FOC, activate in the window."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, Forbidden, InvalidInput, NotFound
from gateway.models import Account, Lsr, LsrTn, Partner, Tn
from gateway.services import audit
from gateway.services.identity.actors import Actor
from gateway.services.orders import transitions
from gateway.services.orders.cut import cut_time_of
from gateway.services.outbox import notices
from gateway.services.policy import agent_notified
from npac.errors import NpacError
from npac.interface import CONFLICT_CAUSES, Registry, SubscriptionView
from npac.models import OPEN_STATUSES
from validators.calendar import conflict_deadline, porting_window
from validators.carrier_profile import CarrierProfile
from validators.fields import TN_RE

_LRN = re.compile(r"\A[0-9]{10}\Z")  # ASCII digits, the whole value (no trailing newline)


def sv_body(sv: SubscriptionView) -> dict[str, Any]:
    return {"id": sv.id, "tn": sv.tn, "old_spid": sv.old_spid, "new_spid": sv.new_spid,
            "lrn": sv.lrn, "status": sv.status, "concurred": bool(sv.concurred),
            "conflict_cause": sv.conflict_cause,
            "due_date": sv.due_date.isoformat() if sv.due_date else None}


def _covering_order(session: Session, tn: str, spid: str, *,
                    for_update: bool = False) -> Lsr | None:
    """The FOC order that ports this TN to this SPID, if any (§9.2).

    With for_update the order row is locked (PostgreSQL), so an activation, a supplement and the
    expiry sweep on one order run one after the other and each sees the other's outcome.
    """
    query = sa.select(Lsr).join(LsrTn, LsrTn.lsr_id == Lsr.id).where(
        LsrTn.tn == tn, Lsr.status == "foc", Lsr.nnsp == spid)
    if for_update:
        query = query.with_for_update(of=Lsr)
    return session.scalar(query)


def create_subscription(session: Session, registry: Registry, body: dict[str, Any], *,
                        partner: Partner, actor: Actor, now: datetime) -> SubscriptionView:
    """Create an SV as the new provider; concur when an FOC covers it, else conflict 50."""
    tn, spid, lrn = body.get("tn"), body.get("new_spid"), body.get("lrn")
    due = body.get("due_date")
    problems: dict[str, str] = {}
    if not isinstance(tn, str) or not TN_RE.match(tn):
        problems["tn"] = "must be a 10-digit NANP number"
    if not isinstance(spid, str) or not spid:
        problems["new_spid"] = "is required"
    if not isinstance(lrn, str) or not _LRN.match(lrn):
        problems["lrn"] = "must be 10 digits"
    try:
        due_date = date.fromisoformat(due) if isinstance(due, str) else None
    except ValueError:
        due_date = None
    if due_date is None:
        problems["due_date"] = "must be a date YYYY-MM-DD"
    if problems or not isinstance(tn, str) or not isinstance(spid, str) \
            or not isinstance(lrn, str) or due_date is None:
        raise InvalidInput("The subscription is not valid.", fields=problems)
    if spid.upper() not in partner.spids:
        raise Forbidden(f"SPID {spid} is not one of your SPIDs.")
    # NPAC keeps one pending or conflict SV per TN: a second one (say, beside the one the
    # old provider put into conflict, §9.4, or a hold's, §11.2) is refused until it is canceled
    open_sv = next(iter(registry.subscriptions_for_tns([tn], statuses=list(OPEN_STATUSES))),
                   None)
    if open_sv is not None:
        raise Conflict(f"TN {tn} has an open subscription version ({open_sv.id}, "
                       f"{open_sv.status}); its new provider cancels it before another is "
                       "created.", code="sv_open")
    order = _covering_order(session, tn, spid.upper())
    sv = registry.create_subscription(tn, spid.upper(), lrn, due_date, now=now,
                                      concur=order is not None)
    if order is not None and order.hold:  # created while the order is held: conflict 54
        transitions.hold_new_sv(session, registry, order, sv.id, now=now)
        sv = registry.get_subscription(sv.id) or sv
    audit.record(session, actor, "npac.sv_created", "subscription", sv.id, now=now,
                 after=sv_body(sv), details={"lsr": order.id if order else None})
    return sv


def own_subscription(registry: Registry, sv_id: int, partner: Partner) -> SubscriptionView:
    sv = registry.get_subscription(sv_id)
    if sv is None or sv.new_spid not in partner.spids:
        raise NotFound(f"No subscription {sv_id}.")
    return sv


def activate_subscription(session: Session, registry: Registry, sv_id: int, *,
                          partner: Partner, actor: Actor, now: datetime,
                          profile: CarrierProfile) -> SubscriptionView:
    """Activate inside the porting window (§9.3); complete the order when all TNs are active."""
    sv = own_subscription(registry, sv_id, partner)
    order = _covering_order(session, sv.tn, sv.new_spid, for_update=True)
    current = registry.get_subscription(sv_id)  # as it stands once the order is ours
    if order is not None and order.hold:  # §11.2: the end user disputed the port
        raise Conflict(transitions.held_message(order), code="not_activatable")
    if current is None or current.status != "pending" or not current.concurred \
            or order is None or order.due_date is None:
        raise Conflict("The subscription is not concurred by an FOC.", code="not_activatable")
    # §13.2: a coordinated cut activates from its time of day on the due date
    start, end = porting_window(order.due_date, order.state or "", profile, cut_time_of(order))
    if not start <= now <= end:
        raise Conflict(f"Activation is possible from {start.isoformat()} to {end.isoformat()}.",
                       code="not_activatable")
    try:
        sv = registry.activate(sv_id, now=now)
    except NpacError as err:
        raise Conflict(str(err), code="not_activatable") from None
    audit.record(session, actor, "npac.sv_activated", "subscription", sv.id, now=now,
                 partner_id=order.owner_partner_id, after=sv_body(sv))
    transitions.activated(session, registry, order, sv.tn, actor=actor, now=now)
    return sv


def cancel_subscription(session: Session, registry: Registry, sv_id: int, *, partner: Partner,
                        actor: Actor, now: datetime) -> SubscriptionView:
    """Cancel a pending or conflicting SV as its new provider."""
    own_subscription(registry, sv_id, partner)
    try:
        sv = registry.cancel(sv_id, now=now)
    except NpacError as err:
        raise Conflict(str(err), code="not_cancelable") from None
    audit.record(session, actor, "npac.sv_canceled", "subscription", sv.id, now=now,
                 after=sv_body(sv))
    return sv


def lookup_tn(registry: Registry, tn: str) -> dict[str, Any]:
    """Who NPAC shows for one TN (api-contract §4.3); unknown NPA-NXX -> 404."""
    if not TN_RE.match(tn or ""):
        raise InvalidInput(f"{tn!r} is not a 10-digit NANP number.")
    provider = registry.current_providers([tn]).get(tn)
    if provider is None:
        raise NotFound(f"NPAC has no NPA-NXX for {tn}.")
    return {"tn": tn, "spid": provider.spid, "spid_name": provider.spid_name,
            "lrn": provider.lrn, "source": provider.source}


def _tn_state(session: Session, tn: str) -> str | None:
    return session.scalar(sa.select(Account.state).join(
        Tn, Tn.account_number == Account.account_number).where(Tn.tn == tn))


def staff_conflict(session: Session, registry: Registry, sv_id: int, cause: int, *,
                   actor: Actor, now: datetime, profile: CarrierProfile) -> SubscriptionView:
    """Put a pending SV into conflict as the old provider (§9.4, e.g. suspected fraud), until
    12:00 noon local on the business day before its due date."""
    if cause not in CONFLICT_CAUSES:
        raise InvalidInput(f"cause must be one of {', '.join(map(str, CONFLICT_CAUSES))}.",
                           code="invalid_cause")
    sv = registry.get_subscription(sv_id)
    if sv is None:
        raise NotFound(f"No subscription {sv_id}.")
    if sv.status != "pending":
        raise Conflict(f"Subscription {sv_id} is {sv.status}; only a pending one can be put "
                       "into conflict.", code="not_conflictable")
    state = _tn_state(session, sv.tn) or ""
    deadline = conflict_deadline(sv.due_date, state, profile) if sv.due_date else None
    if deadline is not None and now > deadline:
        raise Conflict(f"Too late: a conflict is possible until {deadline.isoformat()}.",
                       code="conflict_too_late")
    order = _covering_order(session, sv.tn, sv.new_spid, for_update=True)
    sv = registry.put_in_conflict(sv_id, cause, now=now)
    audit.record(session, actor, "npac.sv_conflict", "subscription", sv.id, now=now,
                 partner_id=order.owner_partner_id if order else None, after=sv_body(sv),
                 details={"cause": cause, "reason": CONFLICT_CAUSES[cause]})
    if order is not None:  # to the carrier and, as its order's notices, to the agent (§10.3)
        data = {"subscription": sv_body(sv), "lsr_id": order.id}
        subject = f"Conflict: TN {sv.tn} (PON {order.pon})"
        text = (f"{profile.carrier_name} put the subscription version of TN {sv.tn} into "
                f"conflict (cause {cause}, {CONFLICT_CAUSES[cause]}). Call the LNP desk "
                "before the due date.")
        for partner_id in (order.owner_partner_id, agent_notified(session, order)):
            if partner_id is not None:
                notices.emit(session, "npac.conflict", session.get(Partner, partner_id), data,
                             now=now, lsr_id=order.id, subject=subject, body=text)
    return sv
