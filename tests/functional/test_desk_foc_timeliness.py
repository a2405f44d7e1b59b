"""The desk dashboard's "FOCs on time": a FOC is judged against the due time in force when it
was issued, not against whatever the order's clock became afterwards."""
import json

import sqlalchemy as sa

from gateway.models import AuditEvent
from tests.conftest import EXAMPLES, set_now
from tests.functional.test_staff_dashboard import metrics


def example(name, **changes):
    return dict(json.loads((EXAMPLES / name).read_text()), **changes)


def _staff_foc(app, heron, desk, *, decided_at, due_date):
    """An expedite received Monday 10:00 (FOC due Tuesday 17:00), FOC'd by the desk then."""
    set_now(app, "2026-11-23T10:00:00-08:00")
    order = heron.post("/api/v1/lsrs", example("lsr-partial-port.json", exp="Y",
                                               ddd="2026-11-23")).get_json()
    assert order["status"] == "manual_review"
    set_now(app, decided_at)
    assert desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": due_date}).status_code == 200
    return order


def _late_staff_foc(app, heron, desk):
    order = _staff_foc(app, heron, desk, decided_at="2026-11-25T10:00:00-08:00",
                       due_date="2026-11-25")
    assert sum(metrics(app).focs["late"]) == 1
    return order


def test_a_late_staff_foc_stays_late_after_a_sup3(app, heron, desk):
    order = _late_staff_foc(app, heron, desk)
    set_now(app, "2026-11-25T11:00:00-08:00")
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     example("lsr-partial-port.json", ddd="2026-12-01", ver="2",
                             sup="3")).get_json()
    assert sup["supplement"]["status"] == "accepted"
    focs = metrics(app).focs
    assert sum(focs["late"]) == 1 and sum(focs["staff_on_time"]) == 0


def test_the_staff_foc_event_records_the_due_time_in_force(app, heron, desk):
    order = _late_staff_foc(app, heron, desk)
    with app.app_context():
        session = app.extensions["portgate_db"].sessionmaker()
        details = session.scalar(sa.select(AuditEvent.details).where(
            AuditEvent.action == "lsr.staff_foc", AuditEvent.object_id == str(order["id"])))
        session.close()
    assert details["foc_due_at"] < "2026-11-25T18:00:00+00:00"  # before the FOC: late


def test_an_on_time_staff_foc_stays_on_time(app, heron, desk):
    _staff_foc(app, heron, desk, decided_at="2026-11-23T10:30:00-08:00", due_date="2026-11-24")
    focs = metrics(app).focs
    assert sum(focs["staff_on_time"]) == 1 and sum(focs["late"]) == 0


def test_an_event_without_the_due_time_falls_back_to_the_orders_clock(app, heron, desk,
                                                                      monkeypatch):
    """Events written before the due time was recorded (audit events are append-only: made
    here by the transition as it was) are judged as they were."""
    from gateway.services.orders import transitions

    monkeypatch.setattr(transitions, "_foc_clock", lambda order: {})
    order = _late_staff_foc(app, heron, desk)  # late by the order's clock, still in force
    assert sum(metrics(app).focs["late"]) == 1
    set_now(app, "2026-11-25T11:00:00-08:00")
    heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
               example("lsr-partial-port.json", ddd="2026-12-01", ver="2", sup="3"))
    assert sum(metrics(app).focs["late"]) == 0  # the clock the SUP 3 set: nothing else known


def test_a_late_staff_foc_stays_late_when_the_order_is_reviewed_again_and_rejected(app, heron,
                                                                                    desk):
    order = _late_staff_foc(app, heron, desk)
    set_now(app, "2026-11-25T11:00:00-08:00")
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     example("lsr-partial-port.json", exp="Y", ddd="2026-11-27", ver="2",
                             sup="3")).get_json()
    assert sup["lsr"]["status"] == "manual_review", sup
    assert desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "reject", "codes": ["R901"], "remarks": "no"}).status_code == 200
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "rejected"
    assert sum(metrics(app).focs["late"]) == 1


def test_an_automatic_focs_event_records_the_due_time_it_met(app, heron, store):
    """The automatic FOC's audit event keeps its §5.4 clock too (written by the transition, as
    the staff FOC's is), so a fax entered late is judged by the clock it had."""
    set_now(app, "2026-11-23T10:00:00-08:00")
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    assert order["status"] == "foc"
    event = store.scalars(sa.select(AuditEvent).where(AuditEvent.action == "lsr.foc")).one()
    assert event.details["foc_due_at"] == order["clocks"]["foc_due_at"]
    assert sum(metrics(app).focs["automatic"]) == 1 and sum(metrics(app).focs["late"]) == 0
