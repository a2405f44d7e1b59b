"""The portal home shows orders only to users who may read them (business-rules §1.3: `view`
or `lsr`); a CSR-only user sees CSR content instead of recent orders and rejects."""
import json

import pytest

from tests.conftest import EXAMPLES, Web


@pytest.fixture
def orders(heron):
    """A FOC order and a rejected one of Blue Heron."""
    lsr = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    assert heron.post("/api/v1/lsrs", lsr).get_json()["status"] == "foc"
    rejected = heron.post("/api/v1/lsrs", dict(lsr, pon="REJECTME1", tns=["5415550199"]))
    assert rejected.get_json()["status"] == "rejected"
    return [lsr["pon"], "REJECTME1"]


def _home(client, username):
    web = Web(client)
    web.login(username)
    resp = web.get("/portal/")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_a_csr_only_user_sees_no_orders_on_the_home_page(client, actors, orders):
    actors.user("csronly", privileges=["csr"])
    assert Web(client).login("csronly") and client.get("/portal/orders").status_code == 403
    page = _home(client, "csronly")
    for pon in orders:
        assert pon not in page
    assert "Recent orders" not in page and "Rejects waiting for a fix" not in page
    assert "/portal/orders" not in page
    assert 'id="csr-home"' in page and "Request a CSR" in page and "/portal/csr" in page


def test_a_user_who_may_read_orders_still_sees_them(client, actors, orders):
    actors.user("viewer", privileges=["view"])
    page = _home(client, "viewer")
    assert "Recent orders" in page and all(pon in page for pon in orders)
    assert 'id="csr-home"' not in page
