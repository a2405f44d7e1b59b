"""Orders in the portal: search, export, the order page, supplements and escalations."""
import csv
import io
import json

import pytest
import sqlalchemy as sa

from gateway.models import AuditEvent, Escalation, Lsr
from tests.conftest import EXAMPLES, set_now


def body(name="lsr-simple-port.json", **changes):
    return {**json.loads((EXAMPLES / name).read_text()), **changes}


@pytest.fixture
def focd(heron):
    """The simple port of the examples with its FOC (due 2026-11-24)."""
    order = heron.post("/api/v1/lsrs", body()).get_json()
    assert order["status"] == "foc"
    return order


def test_orders_are_searched_by_pon_tn_status_and_dates(app, web, heron, focd):
    set_now(app, "2026-11-25T10:00:00-08:00")
    heron.post("/api/v1/lsrs", body(pon="LATER1", tns=["5415550199"]))
    page = web.get("/portal/orders?pon=BHW20261123A").get_data(as_text=True)
    assert "BHW20261123A" in page and "LATER1" not in page
    page = web.get("/portal/orders?tn=541-555-0199").get_data(as_text=True)
    assert "LATER1" in page and "BHW20261123A" not in page
    page = web.get("/portal/orders?status=rejected").get_data(as_text=True)
    assert "LATER1" in page and "BHW20261123A" not in page
    page = web.get("/portal/orders?date_from=2026-11-24").get_data(as_text=True)
    assert "LATER1" in page and "BHW20261123A" not in page
    page = web.get("/portal/orders?date_to=2026-11-23").get_data(as_text=True)
    assert "BHW20261123A" in page and "LATER1" not in page
    assert "No order matches" in web.get("/portal/orders?pon=NOPE").get_data(as_text=True)


def test_a_bad_search_is_explained_instead_of_ignored_silently(web, focd):
    resp = web.get("/portal/orders?tn=12&date_from=2026-11-30&date_to=2026-11-01")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "There is a problem" in page
    assert "Enter a 10-digit TN" in page and "before the start date" in page


def test_orders_are_paged_25_at_a_time(web, heron):
    for n in range(27):
        heron.post("/api/v1/lsrs", body(pon=f"PAGE{n:02d}", tns=["5415550199"]))
    first = web.get("/portal/orders").get_data(as_text=True)
    assert "Page 1 of 2" in first and "PAGE26" in first and "PAGE01" not in first
    second = web.get("/portal/orders?page=2").get_data(as_text=True)
    assert "PAGE01" in second and "PAGE00" in second and "PAGE26" not in second
    assert 'rel="prev"' in second


def test_the_csv_export_follows_the_search(web, heron, focd):
    heron.post("/api/v1/lsrs", body(pon="REJ1", tns=["5415550199"]))
    resp = web.get("/portal/orders.csv?status=rejected")
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [(r["pon"], r["status"], r["reject_codes"], r["tns"]) for r in rows] == [
        ("REJ1", "rejected", "R201", "5415550199")]
    rows = list(csv.DictReader(io.StringIO(web.get("/portal/orders.csv").get_data(as_text=True))))
    assert {r["pon"] for r in rows} == {"REJ1", "BHW20261123A"}
    assert [r["due_date"] for r in rows if r["pon"] == "BHW20261123A"] == ["2026-11-24"]


def test_the_order_page_shows_versions_notices_npac_events_and_the_window(app, web, heron,
                                                                         focd):
    page = web.get(f"/portal/orders/{focd['id']}").get_data(as_text=True)
    assert "Firm Order Confirmation" in page and "VER 1 · LSR received" in page
    assert "Notice not sent: FOC: PON BHW20261123A due 2026-11-24" in page  # no recipients
    assert "Porting window opens" in page and "Porting window closes" in page
    assert "2026-11-24 00:00 PST" in page and "2026-12-02 23:59 PST" in page  # 4 bd, Thanksgiving
    assert "enduser" not in page  # the end user's own notice is not the partner's
    set_now(app, "2026-11-24T09:00:00-08:00")
    sv = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                   "lrn": "5419990000",
                                                   "due_date": "2026-11-24"}).get_json()
    heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    page = web.get(f"/portal/orders/{focd['id']}").get_data(as_text=True)
    assert "NPAC: SV created for 5415550142" in page and "concurred" in page
    assert "NPAC: 5415550142 activated" in page and "Completed" in page
    assert "Porting window closes" not in page  # a completed order has no running clock


def test_a_due_date_supplement_moves_the_foc(web, focd, store):
    resp = web.post(f"/portal/orders/{focd['id']}/due-date", {"ver": "2", "ddd": "2026-12-01"})
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Supplement VER 2 accepted" in page and "due 2026-12-01" in page
    assert "VER 2 · New due date (SUP 2)" in page
    lsr = store.get(Lsr, focd["id"])
    assert lsr.due_date.isoformat() == "2026-12-01" and lsr.due_date_sups == 1


def test_a_rejected_supplement_leaves_the_order_and_shows_in_its_history(web, focd,
                                                                        store):
    resp = web.post(f"/portal/orders/{focd['id']}/due-date", {"ver": "2", "ddd": "2027-03-01"},
                    follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Supplement VER 2 was rejected (R501)" in page and "R501" in page
    assert store.get(Lsr, focd["id"]).due_date.isoformat() == "2026-11-24"
    resp = web.post(f"/portal/orders/{focd['id']}/due-date", {"ver": "1", "ddd": "2026-12-01"},
                    follow_redirects=True)
    assert b"(R505)" in resp.data


def test_supplement_forms_explain_their_own_errors_and_change_nothing(web, focd, store):
    resp = web.post(f"/portal/orders/{focd['id']}/due-date", {"ver": "", "ddd": "later"})
    assert resp.status_code == 422 and b"There is a problem" in resp.data
    resp = web.post(f"/portal/orders/{focd['id']}/cancel", {"ver": "2"})
    assert resp.status_code == 422 and b"Tick the box to confirm the cancel" in resp.data
    assert store.get(Lsr, focd["id"]).status == "foc"


def test_a_cancel_supplement_cancels_the_order(web, focd, store):
    resp = web.post(f"/portal/orders/{focd['id']}/cancel", {"ver": "2", "confirm": "y"},
                    follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Supplement VER 2 accepted" in page and "Canceled" in page
    assert "New due date (SUP 2)" not in page  # no supplements offered on a closed order
    assert store.get(Lsr, focd["id"]).status == "canceled"


def test_a_correction_rechecks_the_whole_order(web, focd, store):
    page = web.get(f"/portal/orders/{focd['id']}/correct").get_data(as_text=True)
    assert "Correct PON BHW20261123A" in page and "SUP 3" in page
    form = {"ccna": "BHW", "pon": "BHW20261123A", "ver": "2", "an": "884201", "cc": "B451",
            "npdi": "D", "reqtyp": "CB", "act": "V", "ddd": "2026-11-25", "agauth": "y",
            "passcode": "7713", "init_tel": "5419990123", "eu_zip": "97703",
            "tns": "5415550142", "action": "send"}
    resp = web.post(f"/portal/orders/{focd['id']}/correct", form, follow_redirects=True)
    assert b"Supplement VER 2 accepted" in resp.data
    lsr = store.get(Lsr, focd["id"])
    assert lsr.payload["npdi"] == "D" and lsr.due_date.isoformat() == "2026-11-25"
    resp = web.post(f"/portal/orders/{focd['id']}/correct", {**form, "ver": "3",
                                                             "eu_zip": "97700"},
                    follow_redirects=True)
    assert b"was rejected (R305)" in resp.data
    store.expire_all()
    assert store.get(Lsr, focd["id"]).status == "foc"


def test_a_correction_that_clears_a_field_clears_it_on_the_order(web, heron, store):
    """The correction form is the whole LSR: a field left blank or unticked there is blank on
    the order (it was left out of the body, so the order's old value stood: EXP stayed Y and
    the order stayed an expedite in review)."""
    order = heron.post("/api/v1/lsrs", body("lsr-partial-port.json", exp="Y",
                                            ddd="2026-11-23")).get_json()
    assert order["review_reason"] == "expedite"
    sent = body("lsr-partial-port.json", ddd="2026-11-23", ver="2")
    form = {k: v for k, v in sent.items() if k not in ("eu", "tns", "exp", "agauth")}
    form.update({f"eu_{k}": v for k, v in sent["eu"].items()})
    form.update(tns="\n".join(sent["tns"]), agauth="y", action="send")
    assert web.post(f"/portal/orders/{order['id']}/correct", form).status_code == 302
    store.expire_all()
    lsr = store.get(Lsr, order["id"])
    assert lsr.ver == "2" and not (lsr.payload.get("exp") or "").strip()
    assert (lsr.status, lsr.review_reason) == ("foc", None)


def test_an_escalation_reaches_level_one_of_the_state(web, focd, store):
    page = web.get(f"/portal/orders/{focd['id']}").get_data(as_text=True)
    assert "Level 1 for OR" in page and "LNP Desk" in page
    resp = web.post(f"/portal/orders/{focd['id']}/escalate",
                    {"reason": "port_day_problem", "text": "SV will not activate"},
                    follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "raised at level 1: LNP Desk" in page and "Escalated: port day problem" in page
    [row] = store.scalars(sa.select(Escalation)).all()
    assert row.reason == "port_day_problem" and row.state == "OR"
    assert web.post(f"/portal/orders/{focd['id']}/escalate", {"reason": "bribe", "text": "x"}
                    ).status_code == 422


def test_an_order_awaiting_the_desk_shows_its_foc_clock(app, web, heron):
    order = heron.post("/api/v1/lsrs", body("lsr-partial-port.json", ddd="2026-11-24",
                                            exp="Y")).get_json()
    page = web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)
    assert "Awaiting the carrier's LNP desk · expedite" in page
    assert "FOC due from the desk" in page and "2026-11-24 17:00 PST" in page
    set_now(app, "2026-11-25T10:00:00-08:00")
    page = web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)
    assert 'class="clock overdue"' in page and "ago" in page


def test_supplements_are_audited_with_the_portal_user(web, focd, store):
    web.post(f"/portal/orders/{focd['id']}/due-date", {"ver": "2", "ddd": "2026-12-01"})
    event = store.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "lsr.due_date_changed"))
    assert event.actor == "heron" and event.after["due_date"] == "2026-12-01"
