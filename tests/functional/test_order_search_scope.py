"""Order search finds an order by the TNs it ports only (its FOC TNs, else the TNs asked for),
by the user's own days, and a CSR search by a TN that cannot be read is explained."""
import json

from tests.conftest import EXAMPLES, set_now


def example(name, **changes):
    return dict(json.loads((EXAMPLES / name).read_text()), **changes)


def _total(heron, tn):
    return heron.get(f"/api/v1/lsrs?tn={tn}").get_json()["total"]


def test_a_tn_search_finds_the_ported_tns_not_the_orders_other_numbers(app, heron, web):
    order = heron.post("/api/v1/lsrs", example("lsr-partial-port.json")).get_json()
    assert order["status"] in ("foc", "manual_review")
    assert _total(heron, "5415550300") == 1  # the TN it ports
    for other in ("5415550301", "5419990123"):  # its NAN, the initiator's phone
        assert _total(heron, other) == 0
    page = web.get("/portal/orders?tn=5415550301").get_data(as_text=True)
    assert "BHW20261123B" not in page and "No order matches" in page
    assert "BHW20261123B" in web.get("/portal/orders?tn=5415550300").get_data(as_text=True)
    exported = web.get("/portal/orders.csv?tn=5419990123").get_data(as_text=True)
    assert "BHW20261123B" not in exported


def test_a_rejected_order_is_found_by_a_tn_it_asked_for_only(app, heron, web):
    rejected = heron.post("/api/v1/lsrs", example("lsr-partial-port.json", pon="REJ1",
                                                  agauth="N", tns=["5415557020"])).get_json()
    assert rejected["status"] == "rejected"
    assert _total(heron, "5415557020") == 1
    assert _total(heron, "5415550301") == 0 and _total(heron, "5415550300") == 0
    assert "REJ1" in web.get("/portal/orders?tn=541-555-7020").get_data(as_text=True)


def test_a_tn_search_is_no_pattern(app, heron):
    heron.post("/api/v1/lsrs", example("lsr-partial-port.json"))
    assert _total(heron, "%25") == 0 and _total(heron, "_") == 0


def test_a_closed_order_is_found_by_its_foc_tns(app, heron, store):
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    assert order["status"] == "foc"
    tns = order["foc"]["tns"]
    with app.app_context():
        import sqlalchemy as sa

        from gateway.models import Lsr, LsrTn
        session = app.extensions["portgate_db"].sessionmaker()
        session.execute(sa.update(Lsr).where(Lsr.id == order["id"]).values(status="completed"))
        session.execute(sa.delete(LsrTn).where(LsrTn.lsr_id == order["id"]))
        session.commit()
        session.close()
    assert _total(heron, tns[0]) == 1
    assert _total(heron, "5419990123") == 0  # the initiator's phone


def test_orders_are_searched_by_the_users_day(app, heron, web):
    set_now(app, "2026-11-23T16:30:00-08:00")  # 2026-11-24 00:30 UTC
    assert heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()["id"]
    page = web.get("/portal/orders?date_from=2026-11-23&date_to=2026-11-23").get_data(
        as_text=True)
    assert "BHW20261123A" in page and "16:30 PST" in page
    page = web.get("/portal/orders?date_from=2026-11-24").get_data(as_text=True)
    assert "BHW20261123A" not in page
    exported = web.get("/portal/orders.csv?date_to=2026-11-23").get_data(as_text=True)
    assert "BHW20261123A" in exported


def test_a_csr_search_by_a_tn_that_cannot_be_read_is_explained(app, web):
    resp = web.get("/portal/csr?tn=12")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "There is a problem" in page
    assert "TN: Enter a 10-digit TN." in page and "No CSR request for TN 12" not in page
    assert "There is a problem" not in web.get("/portal/csr?tn=541-555-0142").get_data(
        as_text=True)
