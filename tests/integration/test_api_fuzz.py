"""No request body of any shape yields a 5xx (issue 4): seeded random bodies on every write."""
import json
import random

import pytest

from tests.conftest import EXAMPLES

ODD_VALUES = [None, True, False, 0, 2, -1, 3.5, "", " ", "  1 ", " 2", "3 ", "1", "2", "3", "9",
              "ABC", "A" * 40, "2026-11-30", " 2026-11-30 ", "2026-02-30", "5415550142",
              " 5415550142", "BHW20261123A", "Y", "N", "\u00e9\u00e8", "\x00", [], {}, [1],
              ["5415550142", None], {"zip": 97703}, {"filename": 1, "content_base64": []}]
KEYS = ["sup", "ver", "pon", "ddd", "tns", "eu", "passcode", "an", "atn", "cc", "nnsp", "exp",
        "mi", "nan", "remarks", "loa", "reqtyp", "act", "agauth", "ccna", "npdi", "init"]


def _bodies(seed: int, base: dict, count: int) -> list[dict]:
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        body = dict(base) if rng.random() < 0.7 else {}
        for key in rng.sample(KEYS, rng.randint(1, 5)):
            body[key] = rng.choice(ODD_VALUES)
        bodies.append(body)
    return bodies


def _simple():
    return json.loads((EXAMPLES / "lsr-simple-port.json").read_text())


def test_random_supplements_never_yield_5xx(heron):
    order = heron.post("/api/v1/lsrs", _simple()).get_json()
    base = {"sup": "2", "ver": "9", "ddd": "2026-11-30"}
    for body in _bodies(1, base, 120):
        resp = heron.post(f"/api/v1/lsrs/{order['id']}/supplements", body)
        assert resp.status_code < 500, (body, resp.get_data(as_text=True))
        by_pon = heron.post("/api/v1/lsrs", {**body, "pon": order["pon"],
                                             "sup": body.get("sup") or "1"})
        assert by_pon.status_code < 500, (body, by_pon.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/api/v1/lsrs", "/api/v1/lsrs/validate",
                                  "/api/v1/csr-requests"])
def test_random_lsr_and_csr_bodies_never_yield_5xx(heron, path):
    base = {**_simple(), "tn": "5415550142"}
    for body in _bodies(2, base, 80):
        resp = heron.post(path, body)
        assert resp.status_code < 500, (body, resp.get_data(as_text=True))


def test_random_staff_bodies_never_yield_5xx(heron, desk):
    review = heron.post("/api/v1/lsrs", {**_simple(), "ddd": "2026-11-23", "exp": "Y"}).get_json()
    rng = random.Random(3)
    for _ in range(60):
        decision = {k: rng.choice(ODD_VALUES + ["foc", "reject", ["R901"], "2026-11-24"])
                    for k in rng.sample(["action", "due_date", "codes", "remarks"],
                                        rng.randint(1, 4))}
        resp = desk.post(f"/api/v1/staff/lsrs/{review['id']}/decision", decision)
        assert resp.status_code < 500, (decision, resp.get_data(as_text=True))
        manual = {"partner_ccna": rng.choice(["BHW", "", None, 5]),
                  "channel": rng.choice(["fax", "email", None]),
                  "received_at": rng.choice(["2026-11-20T12:00:00-08:00", "yesterday", None]),
                  "lsr": rng.choice([_simple(), {}, None, "x"])}
        resp = desk.post("/api/v1/staff/manual-lsrs", manual)
        assert resp.status_code < 500, (manual, resp.get_data(as_text=True))
