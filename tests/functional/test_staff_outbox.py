"""The outbox for the desk (business-rules §10.1): delivery status, dead letters, re-send."""
import json

import sqlalchemy as sa

from gateway.models import AuditEvent, Delivery, Notice
from tests.conftest import EXAMPLES


def foc_with_end_user_email(heron, store):
    heron.post("/api/v1/lsrs", json.loads((EXAMPLES / "lsr-simple-port.json").read_text()))
    return store.scalar(sa.select(Delivery).join(Notice).where(
        Notice.event == "enduser.port_notice"))


def kill(store, delivery):
    store.execute(sa.update(Delivery).where(Delivery.id == delivery.id).values(
        status="dead", attempts=6, last_error="SMTP 550 mailbox unavailable"))
    store.commit()


def test_outbox_lists_deliveries_with_status_and_counts(heron, staff_web, store):
    delivery = foc_with_end_user_email(heron, store)
    page = staff_web.get("/staff/outbox").get_data(as_text=True)
    assert "request to move your numbers" in page and "linda.n@example.net" in page
    assert "badge pending" in page
    assert f"/staff/outbox/{delivery.id}" in page


def test_dead_letters_show_their_error_and_can_be_re_sent(heron, staff_web, store):
    delivery = foc_with_end_user_email(heron, store)
    kill(store, delivery)
    page = staff_web.get("/staff/outbox?status=dead").get_data(as_text=True)
    assert "SMTP 550 mailbox unavailable" in page and "Re-send" in page
    resp = staff_web.post(f"/staff/outbox/{delivery.id}/resend",
                          {"back": "/staff/outbox?status=dead"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/staff/outbox?status=dead")
    store.expire_all()
    again = store.get(Delivery, delivery.id)
    assert again.status == "pending" and again.attempts == 0
    assert again.delivery_id == delivery.delivery_id  # the same id on the re-send
    event = store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "delivery.resent"))
    assert event.actor == "deskadmin" and event.before["status"] == "dead"


def test_only_dead_deliveries_are_re_sent(heron, staff_web, store):
    delivery = foc_with_end_user_email(heron, store)
    resp = staff_web.post(f"/staff/outbox/{delivery.id}/resend", follow_redirects=True)
    assert "only dead-lettered deliveries are re-sent" in resp.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "delivery.resent")) == 0


def test_re_send_never_redirects_off_the_outbox(heron, staff_web, store):
    delivery = foc_with_end_user_email(heron, store)
    kill(store, delivery)
    resp = staff_web.post(f"/staff/outbox/{delivery.id}/resend", {"back": "https://evil.example"})
    assert resp.headers["Location"].endswith("/staff/outbox?status=dead")


def test_outbox_filters_by_channel_status_and_text(heron, staff_web, store):
    foc_with_end_user_email(heron, store)
    assert "linda.n@example.net" not in staff_web.get(
        "/staff/outbox?channel=webhook").get_data(as_text=True)
    assert "linda.n@example.net" in staff_web.get("/staff/outbox?q=LINDA").get_data(as_text=True)
    assert "No deliveries match" in staff_web.get("/staff/outbox?q=nobody").get_data(as_text=True)
    # unknown filter values are ignored, never an error
    assert staff_web.get("/staff/outbox?status=bogus&page=x").status_code == 200


def test_a_delivery_page_shows_the_message(heron, staff_web, store):
    delivery = foc_with_end_user_email(heron, store)
    page = staff_web.get(f"/staff/outbox/{delivery.id}").get_data(as_text=True)
    assert delivery.delivery_id in page and "If you did not ask for this" in page
    assert staff_web.get("/staff/outbox/9999").status_code == 404


def test_an_empty_outbox_says_so(staff_web):
    assert "No deliveries" in staff_web.get("/staff/outbox").get_data(as_text=True)
