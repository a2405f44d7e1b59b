"""The work queue and the decision pages of orders awaiting staff (business-rules §5, §7.2)."""
import json

import sqlalchemy as sa

from gateway.models import AuditEvent, Lsr, Notice
from tests.conftest import EXAMPLES, set_now


def expedite(heron, **changes):
    body = dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), ddd="2026-11-23",
                exp="Y", **changes)
    order = heron.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "manual_review" and order["review_reason"] == "expedite"
    return order


def queue_rows(html):
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return body.split("<tr")[1:]


def test_queue_lists_expedites_and_escalations_soonest_due_first(heron, staff_web):
    order = expedite(heron)
    heron.post(f"/api/v1/lsrs/{order['id']}/escalations", {"reason": "foc_overdue", "text": ""})
    rows = queue_rows(staff_web.get("/staff/queue").get_data(as_text=True))
    # the simple port's FOC is due 4 business hours after 10:00 (14:00 Pacific), before the
    # escalation's acknowledgement (4 business hours after it was raised, a moment later)
    assert len(rows) == 2
    assert "expedite" in rows[0] and "14:00" in rows[0] and "Decide" in rows[0]
    assert "foc overdue · level 1 (LNP Desk)" in rows[1] and "BHW20261123A" in rows[1]
    only = queue_rows(staff_web.get("/staff/queue?kind=escalation").get_data(as_text=True))
    assert len(only) == 1 and "Escalation" in only[0]


def test_queue_highlights_overdue_orders(app, heron, staff_web):
    expedite(heron)
    fresh = staff_web.get("/staff/queue").get_data(as_text=True)
    assert "row-overdue" not in fresh
    set_now(app, "2026-11-23T15:00:00-08:00")  # past 14:00, the FOC due time
    late = staff_web.get("/staff/queue?kind=lsr").get_data(as_text=True)
    assert "row-overdue" in late and "overdue 1 h 0 min" in late


def test_empty_queue_says_so(staff_web):
    assert "The queue is empty" in staff_web.get("/staff/").get_data(as_text=True)
    assert "Nothing waiting" in staff_web.get("/staff/queue").get_data(as_text=True)


def test_decision_page_shows_the_earliest_standard_date(heron, staff_web):
    order = expedite(heron)
    page = staff_web.get(f"/staff/orders/{order['id']}").get_data(as_text=True)
    assert "Earliest standard date" in page and "<strong>2026-11-24</strong>" in page
    assert "Grant the requested date: FOC on 2026-11-23" in page
    assert "Decline: FOC on the standard date 2026-11-24" in page


def test_staff_grant_an_expedite_with_an_foc_on_the_asked_date(heron, staff_web, store):
    order = expedite(heron)
    resp = staff_web.post(f"/staff/orders/{order['id']}/foc", {"due_date": "2026-11-23"})
    assert resp.status_code == 302
    body = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert body["status"] == "foc" and body["foc"]["due_date"] == "2026-11-23"
    event = store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "lsr.staff_foc"))
    assert event.actor == "deskadmin" and event.details["expedite"] == "granted"
    assert store.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        Notice.event == "lsr.foc", Notice.lsr_id == order["id"])) == 1
    assert "FOC issued for PON BHW20261123A" in staff_web.get(
        resp.headers["Location"]).get_data(as_text=True)


def test_foc_on_a_holiday_is_refused_and_changes_nothing(heron, staff_web, store):
    order = expedite(heron)
    resp = staff_web.post(f"/staff/orders/{order['id']}/foc", {"due_date": "2026-11-26"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "There is a problem" in page and "must be a business day" in page
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "manual_review"
    assert store.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "lsr.staff_foc")) == 0


def test_foc_without_a_date_is_refused(heron, staff_web):
    order = expedite(heron)
    resp = staff_web.post(f"/staff/orders/{order['id']}/foc", {"due_date": "not a date"})
    assert resp.status_code == 422 and "Not a valid date value" in resp.get_data(as_text=True)


def test_staff_reject_with_codes_and_remarks(heron, staff_web):
    order = expedite(heron)
    resp = staff_web.post(f"/staff/orders/{order['id']}/reject",
                          {"codes": ["R901", "R305"], "remarks": "End user called to stop it"})
    assert resp.status_code == 302
    body = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert body["status"] == "rejected"
    assert [r["code"] for r in body["rejects"]] == ["R901", "R305"]
    assert "End user called to stop it" in body["rejects"][0]["message"]


def test_r901_without_remarks_is_refused(heron, staff_web):
    order = expedite(heron)
    resp = staff_web.post(f"/staff/orders/{order['id']}/reject", {"codes": ["R901"]})
    assert resp.status_code == 422 and "R901 needs remarks" in resp.get_data(as_text=True)
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "manual_review"


def test_deciding_an_order_that_is_not_in_review_is_refused(heron, staff_web, store):
    order = heron.post("/api/v1/lsrs", json.loads(
        (EXAMPLES / "lsr-simple-port.json").read_text())).get_json()
    assert order["status"] == "foc"
    page = staff_web.get(f"/staff/orders/{order['id']}").get_data(as_text=True)
    assert "Issue the FOC" not in page
    resp = staff_web.post(f"/staff/orders/{order['id']}/foc", {"due_date": "2026-11-25"})
    assert resp.status_code == 422 and "not awaiting staff" in resp.get_data(as_text=True)
    assert store.get(Lsr, order["id"]).due_date.isoformat() == "2026-11-24"


def test_unknown_order_is_404(staff_web):
    assert staff_web.get("/staff/orders/999").status_code == 404
    assert staff_web.post("/staff/orders/999/foc", {"due_date": "2026-11-24"}).status_code == 404


def test_plain_staff_work_the_queue(heron, client, actors):
    from tests.conftest import Web

    order = expedite(heron)
    actors.user("worker", role="staff", partner=None)
    web = Web(client)
    web.login("worker")
    assert web.get("/staff/queue").status_code == 200
    assert web.post(f"/staff/orders/{order['id']}/foc", {"due_date": "2026-11-24"}).status_code \
        == 302
    assert web.get("/staff/partners").status_code == 403
    assert web.get("/staff/escalation-contacts").status_code == 403
    assert web.get("/staff/profile").status_code == 403


def test_partner_users_cannot_open_staff_pages(heron, client):
    from tests.conftest import Web

    Web(client).login("heron")
    for path in ("/staff/", "/staff/queue", "/staff/manual/lsr", "/staff/outbox",
                 "/staff/dashboard", "/staff/accounts?q=5415550142"):
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_sign_in(client, db_url):
    resp = client.get("/staff/queue")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_a_project_shows_no_standard_date_and_is_confirmed_on_its_date(heron, staff_web, cli,
                                                                      tmp_path, store):
    header = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
    rows = [f"777000,5035550119,BIG PBX CO,1,,MAIN,ST,,,,PORTLAND,OR,97201,503555{i:04d},"
            "working,pbx,N,,,N," for i in range(120)]
    (tmp_path / "pbx.csv").write_text("\n".join([header, *rows]) + "\n")
    (tmp_path / "codes.csv").write_text("npa_nxx,spid,lrn\n503555,CT01,5035550000\n")
    assert cli("import-accounts", tmp_path / "pbx.csv")[0] == 0
    assert cli("npac", "import-codes", tmp_path / "codes.csv")[0] == 0
    body = {"ccna": "BHW", "pon": "PROJ1", "ver": "1", "an": "777000", "cc": "B451",
            "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-12-10", "agauth": "Y",
            "init": "Sam", "init_tel": "5419990123", "mi": "A", "remarks": "PARTIAL PORT",
            "eu": {"name": "BIG PBX CO", "sano": "1", "sasn": "MAIN", "sath": "ST",
                   "city": "PORTLAND", "state": "OR", "zip": "97201"},
            "tns": [f"503555{i:04d}" for i in range(101)]}
    order = heron.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "manual_review" and order["review_reason"] == "project"
    page = staff_web.get(f"/staff/orders/{order['id']}").get_data(as_text=True)
    assert "Decide the project" in page and "a project's date is negotiated" in page
    assert "Confirm the project on 2026-12-10" in page
    assert staff_web.post(f"/staff/orders/{order['id']}/foc",
                          {"due_date": "2026-12-10"}).status_code == 302
    assert store.get(Lsr, order["id"]).status == "foc"


DECLINE = "Decline: FOC on the standard date "


def _declined_date(page: str) -> str:
    at = page.index(DECLINE) + len(DECLINE)
    return page[at:at + 10]


def test_the_decline_button_offers_a_date_the_desk_can_give_when_it_decides_late(
        app, heron, staff_web, store):
    """§5.3: a computed FOC date is never before the business day after the FOC is issued; the
    standard date offered on a late decision was already past (and refused 422)."""
    order = expedite(heron)  # Monday 11-23; standard date Tuesday 11-24
    set_now(app, "2026-11-25T09:00:00-08:00")  # the desk decides on Wednesday
    offered = _declined_date(staff_web.get(f"/staff/orders/{order['id']}").get_data(True))
    assert offered == "2026-11-30"  # Thursday 11-26 and Friday 11-27 are holidays
    resp = staff_web.post(f"/staff/orders/{order['id']}/foc", {"due_date": offered})
    assert resp.status_code == 302
    store.expire_all()
    lsr = store.get(Lsr, order["id"])
    assert lsr.status == "foc" and lsr.due_date.isoformat() == offered


def test_a_staff_foc_more_than_a_year_away_is_refused_not_a_crash(heron, desk, staff_web):
    order = expedite(heron)
    resp = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": "9999-12-31"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_due_date"
    assert "more than a year" in resp.get_json()["error"]["message"]
    page = staff_web.post(f"/staff/orders/{order['id']}/foc", {"due_date": "9999-12-31"})
    assert page.status_code == 422
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "manual_review"
