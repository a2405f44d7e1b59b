"""Searching as people type: PON prefixes in any case, parts of a TN at the desk."""
import json

from tests.conftest import EXAMPLES


def body(**changes):
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def test_a_pon_search_matches_the_start_of_the_pon_in_any_case(web, heron):
    for pon in ("TOUR01", "TOUR02", "XTOUR03"):
        heron.post("/api/v1/lsrs", body(pon=pon, tns=["5415550199"]))
    for query in ("tour0", "TOUR0", "Tour"):
        page = web.get(f"/portal/orders?pon={query}").get_data(as_text=True)
        assert "TOUR01" in page and "TOUR02" in page and "XTOUR03" not in page, query
    exact = web.get("/portal/orders?pon=tour01").get_data(as_text=True)
    assert "TOUR01" in exact and "TOUR02" not in exact
    assert "No order matches" in web.get("/portal/orders?pon=TOUR_").get_data(as_text=True)


def test_the_csv_export_uses_the_same_pon_prefix_search(web, heron):
    heron.post("/api/v1/lsrs", body(pon="TOUR01", tns=["5415550199"]))
    heron.post("/api/v1/lsrs", body(pon="OTHER1", tns=["5415550199"]))
    text = web.get("/portal/orders.csv?pon=tour").get_data(as_text=True)
    assert "TOUR01" in text and "OTHER1" not in text


def test_the_api_pon_filter_stays_exact(heron):
    heron.post("/api/v1/lsrs", body(pon="TOUR01", tns=["5415550199"]))
    assert heron.get("/api/v1/lsrs?pon=TOUR0").get_json()["total"] == 0
    assert heron.get("/api/v1/lsrs?pon=TOUR01").get_json()["total"] == 1


def test_part_of_a_tn_finds_the_accounts_holding_it(heron, staff_web):
    page = staff_web.get("/staff/accounts?q=5550").get_data(as_text=True)
    assert "LINDA NAKAMURA" in page and "HIGH DESERT DENTAL" in page
    assert "JUNIPER RIDGE" not in page
    single = staff_web.get("/staff/accounts?q=503")
    assert single.status_code == 302 and single.headers["Location"].endswith("/884377")
    dashed = staff_web.get("/staff/accounts?q=555-0142")
    assert dashed.status_code == 302 and dashed.headers["Location"].endswith("/884201")
