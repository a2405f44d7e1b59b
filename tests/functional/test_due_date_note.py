"""A DDD the FOC cannot honour is never moved silently (§5.3, §6.2): API, notice and page."""
import json

import sqlalchemy as sa

from gateway.models import Notice
from tests.conftest import EXAMPLES


def body(**changes):
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def _foc_notices(store):
    store.expire_all()
    return list(store.scalars(sa.select(Notice).where(Notice.event == "lsr.foc")
                              .order_by(Notice.id)))


def test_a_past_ddd_gets_the_earliest_date_and_says_so_everywhere(web, heron, store):
    order = heron.post("/api/v1/lsrs", body(ddd="2026-11-01")).get_json()
    note = "you asked 2026-11-01; the earliest is 2026-11-24 (§5.3)"
    assert order["foc"]["due_date"] == "2026-11-24" and order["due_date_note"] == note
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["due_date_note"] == note
    notices = _foc_notices(store)
    assert notices and note in notices[-1].body and notices[-1].data["due_date_note"] == note
    assert note in web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)


def test_a_ddd_that_is_honoured_has_no_note(web, heron, store):
    order = heron.post("/api/v1/lsrs", body()).get_json()
    assert order["foc"]["due_date"] == "2026-11-24" and order["due_date_note"] is None
    assert "you asked" not in _foc_notices(store)[-1].body
    assert "you asked" not in web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)


def test_a_rejected_order_has_no_note(heron):
    order = heron.post("/api/v1/lsrs", body(ddd="2026-11-01", eu={"zip": "97700"})).get_json()
    assert order["status"] == "rejected" and order["due_date_note"] is None


def test_a_sup2_with_a_past_date_says_what_it_got(heron, store):
    order = heron.post("/api/v1/lsrs", body(ddd="2026-11-30")).get_json()
    assert order["due_date_note"] is None
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                      {"sup": "2", "ver": "2", "ddd": "2026-11-02"}).get_json()
    lsr = resp["lsr"]
    assert resp["supplement"]["status"] == "accepted", resp
    due = lsr["foc"]["due_date"]
    assert lsr["due_date_note"] == f"you asked 2026-11-02; the earliest is {due} (§6.2)"
    assert lsr["due_date_note"] in _foc_notices(store)[-1].body
