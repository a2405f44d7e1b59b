"""No stored body can break a page: LSRs with values of any JSON type are recorded as business
rejects (201, R601/R602), and every list, page and export of that partner still answers 200
(issue 12: `"tns": {"a": 1}` once made /portal/orders answer 500 for the whole partner)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.services.orders.request import LsrRequest
from tests.conftest import EXAMPLES

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) \
    | st.text(max_size=12)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                           max_leaves=6)
KEYS = ("tns", "eu", "pon", "ver", "ddd", "an", "nnsp", "cc", "remarks", "exp", "mi", "nan",
        "passcode", "reqtyp", "agauth", "loa")


def base(**changes):
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def pages(order_id: int) -> list[str]:
    return ["/portal/", "/portal/orders", "/portal/orders.csv", f"/portal/orders/{order_id}",
            f"/portal/orders/{order_id}/correct", f"/portal/lsrs/new?from={order_id}"]


@pytest.mark.parametrize("changes", [
    {"tns": {"a": 1}}, {"tns": 5035550100.5}, {"tns": [5035550100, None, {"x": []}]},
    {"eu": ["OR"]}, {"eu": {"zip": 97201, "name": {"first": "A"}}}, {"remarks": ["DISC"]},
    {"ddd": 20261124}, {"pon": {"p": 1}}, {"ver": 1.5}, {"agauth": ["Y"]},
])
def test_a_malformed_lsr_is_a_recorded_reject_and_breaks_no_page(heron, web, changes):
    resp = heron.post("/api/v1/lsrs", base(pon="BAD1") | changes)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    order = resp.get_json()
    assert order["status"] == "rejected"
    assert {r["code"] for r in order["rejects"]} & {"R601", "R602", "R101"}
    for path in pages(order["id"]) + ["/api/v1/lsrs", f"/api/v1/lsrs/{order['id']}"]:
        client = heron if path.startswith("/api") else web
        answer = client.get(path)
        assert answer.status_code in (200, 302), (path, answer.status_code)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(KEYS), JSON_VALUES, min_size=1, max_size=4),
       n=st.integers(min_value=0, max_value=10**6))
def test_random_bodies_never_break_the_partners_pages(heron, web, changes, n):
    resp = heron.post("/api/v1/lsrs", base(pon=f"R{n}") | changes)
    assert resp.status_code in (200, 201, 400, 409), resp.get_data(as_text=True)[:300]
    order_id = resp.get_json()["id"] if resp.status_code in (200, 201) else 0
    for path in pages(order_id)[:3] + ["/api/v1/lsrs?per_page=200"]:
        client = heron if path.startswith("/api") else web
        assert client.get(path).status_code == 200, path
    if order_id:
        assert web.get(f"/portal/orders/{order_id}").status_code == 200


@settings(deadline=None)  # pure and fast, but a pause of two busy cores must not fail it
@given(body=st.dictionaries(st.sampled_from(KEYS + ("sup",)), JSON_VALUES, max_size=8))
def test_what_is_recorded_is_text_only(body):
    recorded = LsrRequest.parse(body).recorded()
    assert isinstance(recorded.get("tns", []), list)
    assert all(isinstance(t, str) for t in recorded.get("tns", []))
    assert isinstance(recorded.get("eu", {}), dict)
    assert all(isinstance(v, str) for v in recorded.get("eu", {}).values())
    for key, value in recorded.items():
        if key not in ("tns", "eu", "loa", "passcode"):
            assert isinstance(value, str), (key, value)
    json.dumps(recorded)  # storable as it is
