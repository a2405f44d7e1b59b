"""Portal and staff order pages show each notice's real delivery state (business-rules §10.3):
queued, sent, retrying (with the next try), dead-lettered, or no recipients — never "sent"
before it was."""
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from gateway.models import Contact, Delivery, Lsr, Notice, Partner
from gateway.services.orders import timeline
from tests.conftest import EXAMPLES, Web

FOC_SUBJECT = "FOC: PON BHW20261123A due 2026-11-24"


def _foc_order(heron):
    order = heron.post("/api/v1/lsrs", json.loads(
        (EXAMPLES / "lsr-simple-port.json").read_text())).get_json()
    assert order["status"] == "foc"
    return order


def _with_foc_contact(store):
    partner = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    store.add(Contact(partner_id=partner.id, name="FOC Desk", email="foc@heron.example",
                      phone="5035550123", types_csv="foc", created_at=partner.created_at))
    store.commit()


def _foc_delivery(store, order_id):
    store.expire_all()
    return store.scalar(sa.select(Delivery).join(Notice).where(
        Notice.lsr_id == order_id, Notice.event == "lsr.foc"))


@pytest.fixture
def portal(client, heron):
    web = Web(client)
    web.login("heron")
    return web


def _page(web, path):
    return web.get(path).get_data(as_text=True)


def test_a_notice_not_yet_delivered_is_queued_not_sent(heron, portal, store):
    _with_foc_contact(store)
    order = _foc_order(heron)
    page = _page(portal, f"/portal/orders/{order['id']}")
    assert f"Notice queued: {FOC_SUBJECT}" in page
    assert "Notice sent" not in page


def test_a_delivered_notice_is_sent(heron, portal, store, app):
    _with_foc_contact(store)
    order = _foc_order(heron)
    delivery = _foc_delivery(store, order["id"])
    delivery.status, delivery.attempts, delivery.sent_at = "sent", 1, delivery.next_attempt_at
    store.commit()
    assert f"Notice sent: {FOC_SUBJECT}" in _page(portal, f"/portal/orders/{order['id']}")


def test_a_failed_webhook_is_retrying_with_its_next_try(heron, portal, store, cli):
    partner = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    partner.webhook_url, partner.webhook_secret = "http://127.0.0.1:9/hooks", "whsec"
    store.commit()
    order = _foc_order(heron)
    assert cli("deliver")[0] == 0  # the receiver is not there (and private): the try fails
    delivery = _foc_delivery(store, order["id"])
    assert delivery.status == "pending" and delivery.attempts == 1
    page = _page(portal, f"/portal/orders/{order['id']}")
    assert f"Notice retrying: {FOC_SUBJECT}" in page and "webhook retrying" in page
    assert "Next try 2026-11-23 10:01 PST" in page  # 1 minute after the first failure


def test_a_dead_lettered_notice_says_so(heron, portal, store):
    _with_foc_contact(store)
    order = _foc_order(heron)
    delivery = _foc_delivery(store, order["id"])
    delivery.status, delivery.attempts = "dead", 6
    store.commit()
    page = _page(portal, f"/portal/orders/{order['id']}")
    assert f"Notice dead-lettered: {FOC_SUBJECT}" in page and "Notice sent" not in page


def test_a_notice_with_nobody_to_send_to_says_no_recipients(heron, portal):
    order = _foc_order(heron)  # the partner holds no `foc` contact and has no webhook
    page = _page(portal, f"/portal/orders/{order['id']}")
    assert f"Notice not sent: {FOC_SUBJECT}" in page and "no recipients" in page
    assert "Notice sent" not in page


def test_the_staff_order_page_shows_each_notice_delivery_state(heron, store, staff_web):
    _with_foc_contact(store)
    order = _foc_order(heron)
    delivery = _foc_delivery(store, order["id"])
    delivery.attempts, delivery.next_attempt_at = 2, delivery.next_attempt_at + timedelta(
        minutes=5)
    store.commit()
    page = _page(staff_web, f"/staff/orders/{order['id']}")
    assert "<h2>Notices</h2>" in page and FOC_SUBJECT in page
    assert "retrying" in page and "next try 2026-11-23 10:05 PST" in page
    assert f"/staff/outbox/{delivery.id}" in page
    assert "enduser.port_notice" in page  # the desk sees the end user's notice too


def test_the_notice_states_of_an_order_come_from_one_query(app, heron, store, db_session):
    _with_foc_contact(store)
    order = _foc_order(heron)
    for n in range(5):
        heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                   {"reason": "foc_overdue", "text": f"nudge {n}"})
    lsr = db_session.get(Lsr, order["id"])
    statements = []
    engine = db_session.get_bind()
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        items = timeline.order_notices(db_session, lsr)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    assert len(items) >= 7 and len(statements) == 1
    assert {i.state for i in items} == {"queued"}
