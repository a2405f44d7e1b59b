"""The desk grants an expedite in one click: the FOC on exactly the date the partner asked for
(business-rules §5.3, §7.2), or a clear refusal saying why that date cannot be given."""
import json

import sqlalchemy as sa

from gateway.models import AuditEvent, Lsr, Notice
from tests.conftest import EXAMPLES, set_now
from tests.functional.test_staff_decisions import expedite


def staff_focs(store):
    return store.scalars(sa.select(AuditEvent).where(AuditEvent.action == "lsr.staff_foc")).all()


def partial_expedite(heron, ddd):
    """A non-simple port (3 business days from Monday 11-23: 11-26 and 11-27 are holidays, so
    the earliest standard date is 11-30), asked for earlier with EXP = Y."""
    body = dict(json.loads((EXAMPLES / "lsr-partial-port.json").read_text()), ddd=ddd, exp="Y")
    order = heron.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "manual_review" and order["review_reason"] == "expedite"
    return order


def test_one_click_grant_issues_the_foc_on_the_requested_date_audited_and_notified(
        heron, staff_web, store):
    order = expedite(heron)  # DDD 2026-11-23, the standard date would be 2026-11-24
    page = staff_web.get(f"/staff/orders/{order['id']}").get_data(as_text=True)
    assert "Grant the requested date: FOC on 2026-11-23" in page
    assert f'action="/staff/orders/{order["id"]}/grant-expedite"' in page
    resp = staff_web.post(f"/staff/orders/{order['id']}/grant-expedite")
    assert resp.status_code == 302
    body = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert body["status"] == "foc" and body["foc"]["due_date"] == "2026-11-23"
    [event] = staff_focs(store)
    assert event.actor == "deskadmin" and event.object_id == str(order["id"])
    assert event.details["grant"] == "requested_date" and event.details["expedite"] == "granted"
    assert event.after["due_date"] == "2026-11-23"
    assert store.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        Notice.event == "lsr.foc", Notice.lsr_id == order["id"])) == 1
    shown = staff_web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Expedite granted for PON BHW20261123A: FOC due 2026-11-23" in shown


def test_a_requested_date_in_the_past_by_now_is_refused_and_says_why(app, heron, staff_web,
                                                                      store):
    order = expedite(heron)
    set_now(app, "2026-11-24T09:00:00-08:00")  # the desk comes to it the next morning
    page = staff_web.get(f"/staff/orders/{order['id']}").get_data(as_text=True)
    assert "Grant the requested date" not in page
    assert "2026-11-23 is in the past (today is 2026-11-24)" in page
    resp = staff_web.post(f"/staff/orders/{order['id']}/grant-expedite")
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "The requested date 2026-11-23 cannot be granted: 2026-11-23 is in the past " \
           "(today is 2026-11-24)" in text
    assert store.get(Lsr, order["id"]).status == "manual_review"
    assert staff_focs(store) == []


def test_a_requested_date_on_a_weekend_is_refused_and_names_the_day(heron, staff_web, store):
    order = partial_expedite(heron, "2026-11-28")
    page = staff_web.get(f"/staff/orders/{order['id']}").get_data(as_text=True)
    assert "Grant the requested date" not in page
    assert "2026-11-28 is a Saturday, not a business day" in page
    resp = staff_web.post(f"/staff/orders/{order['id']}/grant-expedite")
    assert resp.status_code == 422
    assert "2026-11-28 is a Saturday, not a business day" in resp.get_data(as_text=True)
    assert store.get(Lsr, order["id"]).status == "manual_review" and staff_focs(store) == []


def test_a_requested_date_on_a_holiday_is_refused_and_says_so(heron, staff_web, store):
    order = partial_expedite(heron, "2026-11-26")  # Thanksgiving
    resp = staff_web.post(f"/staff/orders/{order['id']}/grant-expedite")
    assert resp.status_code == 422
    assert "2026-11-26 is a company holiday, not a business day" in resp.get_data(as_text=True)
    assert store.get(Lsr, order["id"]).status == "manual_review" and staff_focs(store) == []


def test_grant_on_an_order_that_is_not_an_expedite_in_review_changes_nothing(heron, staff_web,
                                                                              store):
    order = heron.post("/api/v1/lsrs", json.loads(
        (EXAMPLES / "lsr-simple-port.json").read_text())).get_json()
    assert order["status"] == "foc"
    resp = staff_web.post(f"/staff/orders/{order['id']}/grant-expedite")
    assert resp.status_code == 409
    assert "is not an expedite awaiting staff" in resp.get_data(as_text=True)
    assert store.get(Lsr, order["id"]).due_date.isoformat() == "2026-11-24"
    assert staff_focs(store) == []


def test_granting_twice_acts_once(heron, staff_web, store):
    order = expedite(heron)
    assert staff_web.post(f"/staff/orders/{order['id']}/grant-expedite").status_code == 302
    assert staff_web.post(f"/staff/orders/{order['id']}/grant-expedite").status_code == 409
    assert len(staff_focs(store)) == 1


def test_partner_users_cannot_grant(heron, web, store):
    order = expedite(heron)
    assert web.post(f"/staff/orders/{order['id']}/grant-expedite").status_code in (403, 404)
    assert store.get(Lsr, order["id"]).status == "manual_review"


def test_the_api_decision_says_why_a_date_is_refused(heron, desk):
    order = partial_expedite(heron, "2026-11-28")
    resp = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": "2026-11-28"})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == "invalid_due_date"
    assert "2026-11-28 is a Saturday, not a business day" in error["message"]
