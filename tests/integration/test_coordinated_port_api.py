"""Coordinated ports through the API (business-rules §13.2, §4.7, §7.2; api-contract §4.4), on
SQLite and PostgreSQL: CHC = Y goes to the desk, the FOC carries a time, activation before
that time is refused and accepted after it."""
import json

import pytest
import sqlalchemy as sa

from gateway.models import Notice
from tests.conftest import EXAMPLES, set_now

LINDA = {"name": "LINDA NAKAMURA", "sano": "2210", "sasn": "FIRCREST", "sath": "DR",
         "city": "BEND", "state": "OR", "zip": "97703"}


def coordinated(**changes) -> dict:
    """Linda's port as a coordinated cut at 10:30 on Thursday 12-10 (non-simple: full EU)."""
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    body.update(pon="BHWCUT1", ddd="2026-12-10", chc="Y", dfdt="10:30", eu=dict(LINDA),
                init="JANE DOE")
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _codes(order: dict) -> list[tuple[str, str]]:
    return [(r["code"], r["field"]) for r in order["rejects"]]


def test_coordinated_port_gets_a_timed_foc_and_activates_only_from_that_time(
        app, heron, desk, db_session):
    order = heron.post("/api/v1/lsrs", coordinated()).get_json()
    assert (order["status"], order["review_reason"], order["port_type"]) == \
        ("manual_review", "coordinated", "non_simple"), order
    assert ("lsr", order["id"], "coordinated") in [
        (i["kind"], i["id"], i["reason"]) for i in desk.get("/api/v1/staff/queue")
        .get_json()["items"]]

    url = f"/api/v1/staff/lsrs/{order['id']}/decision"
    for bad in ("07:59", "17:00", "10:3", "noon", 1030):
        refused = desk.post(url, {"action": "foc", "due_date": "2026-12-10", "due_time": bad})
        assert refused.status_code == 400, bad
        assert refused.get_json()["error"]["code"] == "invalid_due_time"
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "manual_review"

    focd = desk.post(url, {"action": "foc", "due_date": "2026-12-10"})  # default: the asked time
    assert focd.status_code == 200, focd.get_json()
    foc = focd.get_json()["foc"]
    assert (foc["due_date"], foc["due_time"]) == ("2026-12-10", "10:30")
    db_session.expire_all()
    notice = db_session.scalars(sa.select(Notice).where(Notice.event == "lsr.foc")).one()
    assert "10:30 PT on 2026-12-10" in notice.body and notice.data["foc"]["due_time"] == "10:30"

    set_now(app, "2026-12-10T08:00:00-08:00")
    sv = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                   "lrn": "5419990000",
                                                   "due_date": "2026-12-10"}).get_json()
    assert sv["status"] == "pending" and sv["concurred"] is True
    set_now(app, "2026-12-10T10:29:59-08:00")
    early = heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    assert early.status_code == 409
    assert early.get_json()["error"]["code"] == "not_activatable"
    set_now(app, "2026-12-10T10:30:00-08:00")
    active = heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    assert active.status_code == 200 and active.get_json()["status"] == "active"
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "completed"


def test_desk_may_set_another_cut_time_and_a_sup2_keeps_it(heron, desk):
    order = heron.post("/api/v1/lsrs", coordinated()).get_json()
    focd = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": "2026-12-10", "due_time": "14:15"})
    assert focd.get_json()["foc"]["due_time"] == "14:15"
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     {"sup": "2", "ver": "2", "ddd": "2026-12-14"}).get_json()
    assert sup["supplement"]["status"] == "accepted", sup
    assert (sup["lsr"]["foc"]["due_date"], sup["lsr"]["foc"]["due_time"]) == \
        ("2026-12-14", "14:15")


def test_due_time_on_an_order_that_is_not_coordinated_is_refused(heron, desk):
    body = dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()),
                ddd="2026-11-23", exp="Y")
    order = heron.post("/api/v1/lsrs", body).get_json()
    assert order["review_reason"] == "expedite"
    url = f"/api/v1/staff/lsrs/{order['id']}/decision"
    refused = desk.post(url, {"action": "foc", "due_date": "2026-11-30", "due_time": "10:00"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "invalid_due_time"
    focd = desk.post(url, {"action": "foc", "due_date": "2026-11-30"}).get_json()
    assert focd["foc"]["due_time"] is None


@pytest.mark.parametrize("changes, expected", [
    ({"dfdt": None}, [("R601", "dfdt")]),
    ({"dfdt": "07:30"}, [("R602", "dfdt")]),
    ({"dfdt": "17:00"}, [("R602", "dfdt")]),
    ({"dfdt": "10:3"}, [("R602", "dfdt")]),
    ({"chc": None}, [("R602", "dfdt")]),
    ({"chc": "N"}, [("R602", "chc"), ("R602", "dfdt")]),
])
def test_coordinated_fields_are_checked_as_13_2_says(heron, changes, expected):
    order = heron.post("/api/v1/lsrs", coordinated(**changes)).get_json()
    assert order["status"] == "rejected"
    assert sorted(_codes(order)) == sorted(expected)


def test_dry_run_names_coordinated_and_gives_no_date(heron):
    answer = heron.post("/api/v1/lsrs/validate", coordinated()).get_json()
    assert (answer["review_reason"], answer["due_date"], answer["port_type"]) == \
        ("coordinated", None, "non_simple")
    assert answer["rejects"] == []
