"""Every (status, event) pair of an order's lifecycle (services/orders/transitions.py).

Each status is reached through the real API (a new order is one whose first version is being
decided); each event is then fired by calling its transition function directly. A pair the
`ALLOWED` table takes leaves the status `TARGET` says (for SUP_CORRECT, the decision's), with
its version, open-TN index, audit event and notices; a pair it refuses raises
`TransitionRefused` and leaves the order row, its versions, its lsr_tns rows, the TNs, the audit
trail and the outbox exactly as they were. Every pair runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date

import pytest
import sqlalchemy as sa

from gateway.clock import parse_instant
from gateway.models import AuditEvent, Lsr, LsrTn, LsrVersion, Notice, OrderNote, Partner, Tn, User
from gateway.models.orders import LsrStatus
from gateway.services.identity.actors import SYSTEM, Actor
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest, payload_hash
from gateway.services.orders.submit import decide, reject_entry
from gateway.services.orders.transitions import ALLOWED, TARGET, Event, TransitionRefused
from gateway.services.serialize import stored_payload
from npac.simulator import SqlRegistry
from tests.conftest import EXAMPLES, set_now

S = LsrStatus
STATUSES: list[LsrStatus | None] = [None, *LsrStatus]
PAIRS = [(status, event) for status in STATUSES for event in Event]
TNS = ["5415550300", "5415550301"]
OPEN = (S.FOC, S.MANUAL_REVIEW)


def _name(status: LsrStatus | None) -> str:
    return status.value if status is not None else "new"


def lsr(**changes):
    """A full (not partial) non-simple port of both working TNs of account 884377: an FOC
    due Tuesday 12-01 when received Monday 11-23 10:00 Pacific."""
    body = json.loads((EXAMPLES / "lsr-partial-port.json").read_text())
    body.update(pon="TABLE1", mi="", nan="", remarks="", tns=list(TNS))
    return dict(body, **changes)


REVIEW_BODY = {"exp": "Y", "ddd": "2026-11-23"}  # an expedite: DDD inside the interval
REJECT_BODY = {"eu": {**lsr()["eu"], "zip": "99999"}}  # R305


# --- reaching each status through the API ------------------------------------------------


def _post(heron, path, body=None):
    resp = heron.post(path, body)
    assert resp.status_code in (200, 201), resp.get_json()
    return resp.get_json()


def _activate_all(app, heron, order):
    set_now(app, "2026-12-01T09:00:00-08:00")
    for tn in order["foc"]["tns"]:
        sv = _post(heron, "/api/v1/npac/subscriptions", {"tn": tn, "new_spid": "B451",
                                                         "lrn": "5419990000",
                                                         "due_date": "2026-12-01"})
        _post(heron, f"/api/v1/npac/subscriptions/{sv['id']}/activate")


def build(app, heron, cli, status: LsrStatus) -> int:
    """An order in the status, reached as a partner and the clock would reach it."""
    if status is S.REJECTED:
        order = _post(heron, "/api/v1/lsrs", lsr(**REJECT_BODY))
    elif status is S.MANUAL_REVIEW:
        order = _post(heron, "/api/v1/lsrs", lsr(**REVIEW_BODY))
        assert order["review_reason"] == "expedite"
    else:
        order = _post(heron, "/api/v1/lsrs", lsr())
        assert order["status"] == "foc" and order["foc"]["due_date"] == "2026-12-01", order
        if status is S.CANCELED:
            _post(heron, f"/api/v1/lsrs/{order['id']}/supplements", {"sup": "1", "ver": "2"})
        elif status is S.EXPIRED:
            set_now(app, "2026-12-08T00:00:01-08:00")  # the window ended 12-07 23:59:59
            code, out = cli("sweep")
            assert code == 0 and "expired: 1" in out, out
        elif status is S.COMPLETED:
            _activate_all(app, heron, order)
    got = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert got["status"] == status.value, got
    return order["id"]


# --- the context and the event's call --------------------------------------------------


def contexts(app, session) -> tuple[OrderContext, OrderContext]:
    """The partner's context (Blue Heron's user) and the desk's (no sending partner)."""
    now = parse_instant(app.config["FROZEN_NOW"]).astimezone(UTC)
    profile = app.extensions["portgate_profile"]
    heron = session.scalar(sa.select(User).where(User.username == "heron"))
    desk = session.scalar(sa.select(User).where(User.username == "desk"))
    partner = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    registry = SqlRegistry(session)
    return (OrderContext(session, registry, partner, Actor.from_user(heron), now, profile),
            OrderContext(session, registry, None, Actor.from_user(desk), now, profile))


def received(ctx, body, *, sup=None):
    payload = stored_payload(body)
    return transitions.Received(ver=body["ver"], sup=sup, payload=payload,
                                payload_hash=payload_hash(payload), received_at=ctx.now,
                                details={"channel": "api"})


def classify(decision) -> Event:
    return Event.REJECT if decision.findings else (
        Event.REVIEW if decision.review_reason else Event.FOC)


def decision_for(ctx, order, event: Event, body, *, strict: bool, own=False):
    """The engine's decision on the body; where the table refuses the pair anyway (a closed
    order whose TNs have left), one shaped as the event needs."""
    decision = decide(ctx, order, LsrRequest.parse(body), received_at=ctx.now,
                      own_tns=frozenset(order.foc_tns) if own else frozenset())
    if classify(decision) is event:
        return decision
    assert not strict, (event, decision)
    if event is Event.FOC:
        return replace(decision, findings=[], review_reason=None, due_date=date(2026, 12, 1))
    if event is Event.REVIEW:
        return replace(decision, findings=[], review_reason="expedite")
    return decision


BODY_OF = {Event.FOC: {}, Event.REJECT: REJECT_BODY, Event.REVIEW: REVIEW_BODY}


def _received_version(ctx, desk_ctx, order, event, allowed):
    body = lsr(ver="7", **BODY_OF[event])
    decision = decision_for(ctx, order, event, body, strict=allowed)
    return transitions.decide_received(ctx, order, received(ctx, body), decision)


def _staff_foc(ctx, desk_ctx, order, event, allowed):
    return transitions.staff_foc(desk_ctx, order, date(2026, 12, 2), details={})


def _staff_reject(ctx, desk_ctx, order, event, allowed):
    return transitions.staff_reject(desk_ctx, order, ["R901"], "The end user called.")


def _cancel(ctx, desk_ctx, order, event, allowed):
    return transitions.cancel(ctx, order, received(ctx, {"sup": "1", "ver": "8"}, sup="1"))


def _due_date(ctx, desk_ctx, order, event, allowed):
    body = {"sup": "2", "ver": "8", "ddd": "2026-12-02"}
    return transitions.change_due_date(ctx, order, received(ctx, body, sup="2"),
                                       date(2026, 12, 2))


def _correct(ctx, desk_ctx, order, event, allowed):
    # an FOC order corrected into an expedite goes to staff; a reviewed one gets its FOC
    wanted = Event.REVIEW if order.status == S.FOC else Event.FOC
    body = lsr(ver="8", sup="3", **BODY_OF[wanted])
    decision = decision_for(ctx, order, wanted, body, strict=allowed, own=True)
    rec = received(ctx, body, sup="3")
    return transitions.correct(ctx, order, rec, decision, order_payload=rec.payload)


def _reject_supplement(ctx, desk_ctx, order, event, allowed):
    return transitions.reject_supplement(
        ctx, order, received(ctx, {"sup": "2", "ver": "8"}, sup="2"), [reject_entry("R503")])


def _overdue(ctx, desk_ctx, order, event, allowed):
    return transitions.flag_foc_overdue(ctx.session, order, actor=SYSTEM, now=ctx.now)


def _expire(ctx, desk_ctx, order, event, allowed):
    return transitions.expire(ctx.session, ctx.registry, order, actor=SYSTEM, now=ctx.now)


def _activate(ctx, desk_ctx, order, event, allowed):
    if allowed:  # the first of the order's two TNs goes active in NPAC
        _activate_in_npac(ctx.registry, order, TNS[:1], now=ctx.now)
    return transitions.activated(ctx.session, ctx.registry, order, TNS[0], actor=SYSTEM,
                                 now=ctx.now)


def _complete(ctx, desk_ctx, order, event, allowed):
    if allowed:  # every TN active: the activation of the last one completes the order
        _activate_in_npac(ctx.registry, order, TNS, now=ctx.now)
        return transitions.activated(ctx.session, ctx.registry, order, TNS[-1], actor=SYSTEM,
                                     now=ctx.now)
    # the completion step itself (activated() reaches it only from an FOC order)
    return transitions._complete(ctx.session, order, actor=SYSTEM, now=ctx.now)


def _hold(ctx, desk_ctx, order, event, allowed):
    return transitions.hold(ctx, order, due_at=ctx.now)


def _held_first(fire_on_hold):
    """RELEASE and HOLD_CANCEL act on a held order: an FOC order is put on hold first."""
    def fire_it(ctx, desk_ctx, order, event, allowed):
        if allowed:
            transitions.hold(ctx, order, due_at=ctx.now)
        return fire_on_hold(desk_ctx, order, remarks="The end user called back.")
    return fire_it


def _note(ctx, desk_ctx, order, event, allowed):
    note = OrderNote(lsr_id=order.id, author_kind="staff", partner_id=None, user_id=None,
                     author_name="desk", text="Please send the LOA.", request_info=True,
                     at=ctx.now)
    if allowed:
        ctx.session.add(note)
        ctx.session.flush()
    return transitions.note_written(ctx.session, order, note, {"text": note.text},
                                    actor=desk_ctx.actor, now=ctx.now, profile=ctx.profile)


FIRE = {Event.HOLD: _hold, Event.RELEASE: _held_first(transitions.release),
        Event.HOLD_CANCEL: _held_first(transitions.cancel_held), Event.NOTE: _note,
        Event.FOC: _received_version, Event.REJECT: _received_version,
        Event.REVIEW: _received_version, Event.STAFF_FOC: _staff_foc,
        Event.STAFF_REJECT: _staff_reject, Event.SUP_CANCEL: _cancel,
        Event.SUP_DUE_DATE: _due_date, Event.SUP_CORRECT: _correct,
        Event.SUP_REJECT: _reject_supplement, Event.FOC_OVERDUE: _overdue,
        Event.EXPIRE: _expire, Event.ACTIVATE: _activate, Event.COMPLETE: _complete}


def fire(ctx, desk_ctx, order: Lsr, event: Event, allowed: bool):
    """Call the transition function of the event on the order."""
    return FIRE[event](ctx, desk_ctx, order, event, allowed)


def _activate_in_npac(registry, order, tns, *, now):
    for tn in tns:
        sv = registry.create_subscription(tn, "B451", "5419990000", order.due_date, now=now,
                                          concur=True)
        registry.activate(sv.id, now=now)


# --- what "unchanged" means ---------------------------------------------------------------


def _rows(session, query):
    return [dict(row) for row in session.execute(query).mappings().all()]


def snapshot(session, order_id: int) -> dict:
    """Everything a transition may write, as the database holds it (pending changes flushed)."""
    session.flush()
    return {
        "order": _rows(session, sa.select(Lsr.__table__).where(Lsr.id == order_id)),
        "versions": _rows(session, sa.select(LsrVersion.__table__)
                          .where(LsrVersion.lsr_id == order_id).order_by(LsrVersion.id)),
        "index": _rows(session, sa.select(LsrTn.__table__).where(LsrTn.lsr_id == order_id)
                       .order_by(LsrTn.tn)),
        "tns": _rows(session, sa.select(Tn.__table__).order_by(Tn.tn)),
        "audit": _rows(session, sa.select(AuditEvent.__table__).order_by(AuditEvent.id)),
        "notices": _rows(session, sa.select(Notice.__table__).order_by(Notice.id)),
    }


# --- the outcome of an allowed pair -------------------------------------------------------

AUDIT_OF = {Event.STAFF_FOC: "lsr.staff_foc", Event.STAFF_REJECT: "lsr.staff_reject",
            Event.SUP_CANCEL: "lsr.canceled", Event.SUP_DUE_DATE: "lsr.due_date_changed",
            Event.SUP_CORRECT: "lsr.corrected", Event.SUP_REJECT: "lsr.supplement_rejected",
            Event.FOC_OVERDUE: "lsr.foc_overdue", Event.EXPIRE: "lsr.expired",
            Event.COMPLETE: "lsr.completed", Event.HOLD: "lsr.disputed",
            Event.RELEASE: "lsr.released", Event.HOLD_CANCEL: "lsr.canceled",
            Event.NOTE: "lsr.note"}
NOTICE_OF = {S.FOC: "lsr.foc", S.REJECTED: "lsr.rejected", S.MANUAL_REVIEW: "lsr.manual_review",
             S.CANCELED: "lsr.canceled", S.EXPIRED: "lsr.expired", S.COMPLETED: "lsr.completed"}


def expected_status(before: LsrStatus | None, event: Event, order: Lsr) -> LsrStatus:
    target = TARGET[event]
    if event is Event.SUP_CORRECT:  # the decision's: see fire()
        return S.MANUAL_REVIEW if before is S.FOC else S.FOC
    if target is None:
        assert before is not None
        return before
    return target


def assert_outcome(session, order: Lsr, before: LsrStatus | None, event: Event, old: dict):
    new = snapshot(session, order.id)
    status = expected_status(before, event, order)
    row = new["order"][0]
    assert LsrStatus(row["status"]) is status
    # the open-TN index holds the order's TNs exactly while it is open (§2.4)
    assert [r["tn"] for r in new["index"]] == (sorted(row["foc_tns"]) if status in OPEN else [])
    change = Change(
        row=row, status=status, before=before, carrier=order.owner_partner_id,
        actions=[a["action"] for a in new["audit"][len(old["audit"]):]],
        events=[(n["event"], n["partner_id"]) for n in new["notices"][len(old["notices"]):]],
        versions=new["versions"][len(old["versions"]):],
        tns={t["tn"]: t["status"] for t in new["tns"]}, old_row=old["order"][0])
    if event is not Event.ACTIVATE and event not in BODY_OF:
        assert AUDIT_OF[event] in change.actions, change.actions
    if event not in (Event.SUP_CANCEL, Event.SUP_DUE_DATE, Event.SUP_CORRECT, Event.SUP_REJECT,
                     Event.HOLD_CANCEL, *BODY_OF):
        assert change.versions == []
    OUTCOME[event](change)


@dataclass
class Change:
    """What an allowed transition wrote: the order row after, and what it added."""

    row: dict
    status: LsrStatus
    before: LsrStatus | None
    carrier: int
    actions: list
    events: list
    versions: list
    tns: dict
    old_row: dict


def _received_outcome(c: Change) -> None:  # a received version: its outcome everywhere
    assert [(v["ver"], v["status"]) for v in c.versions] == [("7", c.status.value)]
    assert c.actions == [f"lsr.{c.status.value}"]
    assert (NOTICE_OF[c.status], c.carrier) in c.events
    if c.status is S.REJECTED:
        assert c.row["due_date"] is None and c.row["foc_tns"] == [] and c.row["rejects"]
    else:
        assert c.row["due_date"] is not None and c.row["foc_tns"] == TNS


def _staff_foc_outcome(c: Change) -> None:
    assert c.row["due_date"] == date(2026, 12, 2) and c.row["foc_issued_at"] is not None
    assert c.row["window_ends_at"] is not None and ("lsr.foc", c.carrier) in c.events


def _staff_reject_outcome(c: Change) -> None:
    assert c.row["due_date"] is None and c.row["foc_tns"] == [] and c.row["new_btn"] is None
    assert c.row["window_ends_at"] is None and [r["code"] for r in c.row["rejects"]] == ["R901"]
    assert c.events == [("lsr.rejected", c.carrier)]


def _cancel_outcome(c: Change) -> None:
    assert [(v["ver"], v["sup"], v["status"]) for v in c.versions] == [("8", "1", "canceled")]
    assert c.row["closed_at"] is not None and c.events == [("lsr.canceled", c.carrier)]


def _due_date_outcome(c: Change) -> None:
    assert c.row["due_date"] == date(2026, 12, 2) and c.row["due_date_sups"] == 1
    assert [(v["ver"], v["sup"]) for v in c.versions] == [("8", "2")]
    assert c.events == ([("lsr.foc", c.carrier)] if c.before is S.FOC else [])


def _correct_outcome(c: Change) -> None:
    assert [(v["ver"], v["sup"], v["status"]) for v in c.versions] == \
        [("8", "3", c.status.value)]
    assert (NOTICE_OF[c.status], c.carrier) in c.events


def _reject_supplement_outcome(c: Change) -> None:
    assert [(v["ver"], v["status"], [r["code"] for r in v["rejects"]]) for v in c.versions] \
        == [("8", "rejected", ["R503"])]
    assert c.events == [] and c.row["due_date"] == c.old_row["due_date"]


def _overdue_outcome(c: Change) -> None:
    assert c.row["foc_overdue_at"] is not None and c.events == [("lsr.foc_overdue", c.carrier)]


def _closed_outcome(notice: str):
    def check(c: Change) -> None:
        assert c.row["closed_at"] is not None and c.events == [(notice, c.carrier)]
    return check


def _activate_outcome(c: Change) -> None:
    assert (c.tns[TNS[0]], c.tns[TNS[1]]) == ("ported_out", "working")
    assert c.actions == [] and c.events == []


def _hold_outcome(c: Change) -> None:
    assert c.row["hold"] == "dispute" and c.row["review_reason"] == "dispute"
    assert ("lsr.disputed", c.carrier) in c.events


def _release_outcome(c: Change) -> None:
    assert c.row["hold"] is None and ("lsr.released", c.carrier) in c.events


def _hold_cancel_outcome(c: Change) -> None:
    assert c.row["hold"] is None and c.row["cancel_reason"] == "end_user_dispute"
    assert c.row["closed_at"] is not None and ("lsr.canceled", c.carrier) in c.events


def _note_outcome(c: Change) -> None:
    assert c.row["awaiting_partner_since"] is not None  # the desk asked for information
    assert c.actions == ["lsr.note"]


OUTCOME = {Event.HOLD: _hold_outcome, Event.RELEASE: _release_outcome,
           Event.HOLD_CANCEL: _hold_cancel_outcome, Event.NOTE: _note_outcome,
           Event.FOC: _received_outcome, Event.REJECT: _received_outcome,
           Event.REVIEW: _received_outcome, Event.STAFF_FOC: _staff_foc_outcome,
           Event.STAFF_REJECT: _staff_reject_outcome, Event.SUP_CANCEL: _cancel_outcome,
           Event.SUP_DUE_DATE: _due_date_outcome, Event.SUP_CORRECT: _correct_outcome,
           Event.SUP_REJECT: _reject_supplement_outcome, Event.FOC_OVERDUE: _overdue_outcome,
           Event.EXPIRE: _closed_outcome("lsr.expired"), Event.ACTIVATE: _activate_outcome,
           Event.COMPLETE: _closed_outcome("lsr.completed")}


# --- the table ------------------------------------------------------------------------------


RECEIVED = {Event.FOC, Event.REJECT, Event.REVIEW}
SUPPLEMENTS = {Event.SUP_CANCEL, Event.SUP_DUE_DATE, Event.SUP_CORRECT, Event.SUP_REJECT}
SPEC = {  # business-rules §5-§9, written out here so that a change of the table is deliberate
    None: RECEIVED,
    S.REJECTED: RECEIVED | {Event.SUP_REJECT},  # resubmission (§7.4); supplements R504 (§6.4)
    S.MANUAL_REVIEW: SUPPLEMENTS | {Event.STAFF_FOC, Event.STAFF_REJECT, Event.FOC_OVERDUE},
    S.FOC: SUPPLEMENTS | {Event.EXPIRE, Event.ACTIVATE, Event.COMPLETE,
                          Event.HOLD, Event.RELEASE, Event.HOLD_CANCEL},  # §11.2
    S.CANCELED: {Event.SUP_REJECT}, S.EXPIRED: {Event.SUP_REJECT},
    S.COMPLETED: {Event.SUP_REJECT},
}
for _status in list(SPEC):  # §13.1: notes on an order in any status, once it has one
    if _status is not None:
        SPEC[_status] = SPEC[_status] | {Event.NOTE}


def test_the_table_names_every_status_and_every_event_as_the_rules_say():
    assert set(TARGET) == set(Event)
    assert {status: set(events) for status, events in ALLOWED.items()} == SPEC


@pytest.mark.parametrize(("status", "event"), PAIRS,
                         ids=[f"{_name(s)}-{e.value}" for s, e in PAIRS])
def test_transition(app, heron, desk, cli, store, status, event):
    order_id = build(app, heron, cli, status) if status is not None else None
    allowed = event in ALLOWED[status]
    with app.app_context():  # the passcode digest is keyed with the app's secret
        ctx, desk_ctx = contexts(app, store)
        if order_id is None:  # a new order: its first version is being decided
            owner = ctx.sender()
            order = transitions.create_order(ctx, owner, "TABLE1", received_at=ctx.now)
            assert order is not None and order.versions == []
        else:
            order = store.get(Lsr, order_id)
        before = snapshot(store, order.id)
        if not allowed:
            with pytest.raises(TransitionRefused) as refused:
                fire(ctx, desk_ctx, order, event, allowed)
            assert refused.value.status == 409
            assert snapshot(store, order.id) == before
            return
        fire(ctx, desk_ctx, order, event, allowed)
        assert_outcome(store, order, status, event, before)
        store.commit()  # and the outcome is one the database takes
    assert heron.get(f"/api/v1/lsrs/{order.id}").get_json()["status"] == \
        expected_status(status, event, order).value
