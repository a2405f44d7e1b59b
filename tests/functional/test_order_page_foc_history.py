"""Only a live FOC (and a completed port) gets the green confirmation box on the order page; a
canceled or expired order shows the FOC it had as history, clearly marked."""
import json

import pytest

from tests.conftest import EXAMPLES, Web, set_now


@pytest.fixture
def portal(client, heron):
    web = Web(client)
    web.login("heron")
    return web


@pytest.fixture
def focd(heron):
    order = heron.post("/api/v1/lsrs", json.loads(
        (EXAMPLES / "lsr-simple-port.json").read_text())).get_json()
    assert order["status"] == "foc" and order["foc"]["due_date"] == "2026-11-24"
    return order


def _page(web, order):
    return web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)


def test_a_live_foc_shows_the_green_confirmation(portal, focd):
    page = _page(portal, focd)
    assert 'class="notice foc"' in page and "Firm Order Confirmation" in page


def _cancel(app, heron, order):
    set_now(app, "2026-11-23T11:30:00-08:00")
    resp = heron.post("/api/v1/lsrs", {"pon": order["pon"], "sup": "1", "ver": "2"})
    assert resp.get_json()["lsr"]["status"] == "canceled"


def test_a_canceled_order_shows_its_foc_as_history_not_as_a_confirmation(app, heron, portal,
                                                                         focd):
    _cancel(app, heron, focd)
    page = _page(portal, focd)
    assert 'class="notice foc"' not in page and "Firm Order Confirmation" not in page
    assert 'class="notice history"' in page
    assert ("FOC issued 2026-11-23 10:00 PST — order canceled on 2026-11-23 11:30 PST"
            in page)
    assert "no longer in force" in page and "Due date (not in force)" in page


def test_the_staff_order_page_marks_a_canceled_orders_due_date_not_in_force(app, heron, focd,
                                                                            staff_web):
    _cancel(app, heron, focd)
    staff = staff_web.get(f"/staff/orders/{focd['id']}").get_data(as_text=True)
    assert "(not in force: order canceled 2026-11-23 11:30 PST)" in staff


def test_an_expired_order_shows_its_foc_as_history(app, portal, focd, cli):
    set_now(app, "2026-12-03T00:00:01-08:00")  # the porting window ended 12-02 23:59 Pacific
    assert "expired: 1" in cli("sweep")[1]
    page = _page(portal, focd)
    assert 'class="notice foc"' not in page and 'class="notice history"' in page
    assert "order expired on 2026-12-03 00:00 PST" in page
    assert "the porting window ended without activation" in page


def test_a_completed_order_shows_the_port_as_done(app, heron, portal, focd):
    set_now(app, "2026-11-24T09:00:00-08:00")
    sv = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                   "lrn": "5419990000",
                                                   "due_date": "2026-11-24"}).get_json()
    heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    page = _page(portal, focd)
    assert 'class="notice foc"' in page and "Ported · completed 2026-11-24 09:00 PST" in page
