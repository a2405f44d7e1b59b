"""Partner portal: dashboard, access rules and partner isolation (Flask test client)."""
import json

from tests.conftest import EXAMPLES, Web


def lsr_body(name="lsr-simple-port.json", **changes):
    return {**json.loads((EXAMPLES / name).read_text()), **changes}


def test_dashboard_counts_and_lists_the_partners_orders(web, heron):
    heron.post("/api/v1/lsrs", lsr_body(eu={"zip": "97700"}))
    heron.post("/api/v1/lsrs", lsr_body("lsr-partial-port.json", ddd="2026-11-24", exp="Y"))
    page = web.get("/portal/").get_data(as_text=True)
    assert "port-out dashboard" in page
    assert "Rejects waiting for a fix" in page and "R305" in page
    assert "BHW20261123B" in page and "expedite" in page  # awaiting the desk, FOC clock
    assert 'href="/portal/lsrs/new?from=' in page


def test_dashboard_has_empty_states_for_a_new_partner(web):
    page = web.get("/portal/").get_data(as_text=True)
    assert "No orders yet" in page and "No rejects to fix" in page


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ("/portal/", "/portal/lsrs/new", "/portal/orders", "/admin/", "/profile"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path


def test_staff_cannot_use_the_partner_pages(client, actors):
    actors.user("desk", role="staff", partner=None)
    Web(client).login("desk")
    assert client.get("/portal/").status_code == 403
    assert client.get("/portal/lsrs/new").status_code == 403


def test_pages_need_their_privilege(client, heron, actors):
    actors.user("reader", privileges=["view"])
    Web(client).login("reader")
    assert client.get("/portal/orders").status_code == 200
    resp = client.get("/portal/lsrs/new")
    assert resp.status_code == 403 and b"lsr" in resp.data
    assert client.get("/portal/csr/new").status_code == 403
    assert client.post("/portal/orders/1/cancel", data={"ver": "2", "confirm": "y"}
                       ).status_code == 403
    page = client.get("/portal/").get_data(as_text=True)
    assert 'href="/portal/lsrs/new"' not in page  # no link to a page the user may not open


def test_a_partner_never_sees_another_partners_orders_or_csrs(client, heron, actors):
    order = heron.post("/api/v1/lsrs", lsr_body()).get_json()
    csr = heron.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"}).get_json()
    actors.partner("NWT", "Northwest Telco", spids=("N123",), type="clec")
    actors.user("nwt", partner="NWT")
    Web(client).login("nwt")
    for path in (f"/portal/orders/{order['id']}", f"/portal/csr/{csr['id']}",
                 f"/portal/csr/{csr['id']}.csv", f"/portal/csr/{csr['id']}.json",
                 f"/portal/orders/{order['id']}/correct", f"/portal/lsrs/new?from={order['id']}",
                 f"/portal/lsrs/new?csr={csr['id']}"):
        assert client.get(path).status_code == 404, path
    base = f"/portal/orders/{order['id']}"
    for path, data in ((f"{base}/due-date", {"ver": "9", "ddd": "2026-12-01"}),
                       (f"{base}/cancel", {"ver": "9", "confirm": "y"}),
                       (f"{base}/escalate", {"reason": "foc_overdue", "text": "x"})):
        assert client.post(path, data=data).status_code == 404, path
    assert b"BHW20261123A" not in client.get("/portal/orders").data
    assert b"BHW20261123A" not in client.get("/portal/orders.csv").data
    assert b"5415550142" not in client.get("/portal/csr").data
    assert b"BHW20261123A" not in client.get("/portal/").data
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "foc"


def test_escalation_contacts_of_a_state_are_listed_by_level(web):
    page = web.get("/portal/escalation-contacts?state=OR").get_data(as_text=True)
    assert page.index("LNP Desk") < page.index("Dana Whitfield") < page.index("Ravi Menon")
    assert "Mon-Fri 08:00-17:00 Pacific" in page
    assert "No escalation contacts are listed for WA" in web.get(
        "/portal/escalation-contacts?state=WA").get_data(as_text=True)
    assert "Choose a state" in web.get(
        "/portal/escalation-contacts?state=ZZ").get_data(as_text=True)


def test_unknown_pages_and_ids_answer_a_clear_404(web):
    resp = web.get("/portal/orders/999999")
    assert resp.status_code == 404 and b"No order 999999" in resp.data
    assert web.get("/portal/csr/999999").status_code == 404
