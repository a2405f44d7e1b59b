"""The desk's port-out protection pages (business-rules §11): freeze by request on the account
page, the held order's release and cancel, the fraud review's rule and the other order."""
import json
import re
from datetime import UTC

import sqlalchemy as sa

from gateway.models import Account, AuditEvent, Notice
from tests.conftest import EXAMPLES, Api

LINK = re.compile(r"http://127\.0\.0\.1:5000(/stop/[A-Za-z0-9_\-]+)")


def simple(**changes):
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def _dispute(client, store, lsr_id):
    body = store.scalars(sa.select(Notice.body).where(Notice.event == "enduser.port_notice",
                                                      Notice.lsr_id == lsr_id)).first()
    assert client.post(LINK.search(body).group(1), data={"confirm": "yes"}).status_code == 200


def test_desk_places_a_freeze_from_the_account_page(staff_web, examples, store):
    page = staff_web.get("/staff/accounts/884201")
    assert page.status_code == 200 and "Port-out freeze by request" in page.get_data(True)
    resp = staff_web.post("/staff/accounts/884201/freeze",
                          {"freeze": "on", "channel": "phone", "note": "Linda called."})
    assert resp.status_code == 302
    assert store.get(Account, "884201").port_freeze is True
    assert store.scalars(sa.select(AuditEvent.details).where(
        AuditEvent.action == "account.freeze_on")).one()["note"] == "Linda called."
    assert "freeze on" in staff_web.get("/staff/accounts/884201").get_data(True)


def test_desk_freeze_without_a_note_changes_nothing(staff_web, examples, store):
    resp = staff_web.post("/staff/accounts/884201/freeze", {"freeze": "on", "channel": "phone"})
    assert resp.status_code == 302
    assert store.get(Account, "884201").port_freeze is False


def test_held_order_heads_the_queue_and_the_desk_releases_it(client, heron, staff_web, store):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    _dispute(client, store, order["id"])
    queue = staff_web.get("/staff/queue").get_data(True)
    assert "dispute" in queue and order["pon"] in queue
    page = staff_web.get(f"/staff/orders/{order['id']}").get_data(True)
    assert "On hold: the end user disputed this port" in page and "Release the hold" in page
    resp = staff_web.post(f"/staff/orders/{order['id']}/hold",
                          {"action": "release", "remarks": "Genuine, confirmed by phone."})
    assert resp.status_code == 302
    body = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert (body["status"], body["hold"]) == ("foc", None)
    page = staff_web.get(f"/staff/orders/{order['id']}").get_data(True)
    assert "hold ended: <strong>released</strong>" in page
    timeline = heron.get(f"/api/v1/lsrs/{order['id']}")  # the partner's body shows no hold
    assert timeline.get_json()["review_reason"] is None


def test_desk_cancels_a_held_order_from_its_page(client, heron, staff_web, store):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    _dispute(client, store, order["id"])
    staff_web.post(f"/staff/orders/{order['id']}/hold", {"action": "cancel"})
    body = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert (body["status"], body["cancel_reason"]) == ("canceled", "end_user_dispute")


def test_fraud_review_page_names_the_rule_and_shows_the_other_partners_order(
        client, actors, heron, staff_web):
    first = heron.post("/api/v1/lsrs", simple()).get_json()
    heron.post("/api/v1/lsrs", {"pon": first["pon"], "sup": "1", "ver": "2"})
    actors.partner(ccna="SWC", name="Summit West Communications", spids=("SW01",), type="clec")
    actors.user("summit", partner="SWC")
    summit = Api(client, actors.token("summit"))
    second = summit.post("/api/v1/lsrs", simple(ccna="SWC", pon="SWC1", cc="SW01")).get_json()
    assert second["review_reason"] == "fraud_review", second
    page = staff_web.get(f"/staff/orders/{second['id']}").get_data(True)
    assert "Risk review: cross partner" in page and "Decide the fraud review" in page
    assert f"PON {first['pon']}" in page and "Blue Heron Wireless (BHW)" in page


def test_portal_timeline_shows_the_dispute_and_its_end(client, heron, actors, staff_web,
                                                       store, db_session):
    from gateway.platform import composition
    from gateway.services.orders import timeline
    from gateway.services.orders.queries import get_lsr
    from gateway.services.policy import STAFF

    order = heron.post("/api/v1/lsrs", simple()).get_json()
    _dispute(client, store, order["id"])
    staff_web.post(f"/staff/orders/{order['id']}/hold", {"action": "release"})
    lsr = get_lsr(db_session, order["id"], STAFF)
    titles = [e.title for e in timeline.order_timeline(db_session,
                                                       composition.registry(db_session), lsr)]
    assert "Disputed by the end user: order on hold" in titles
    assert "Hold released by the LNP desk" in titles


def test_dashboard_counts_disputes_holds_and_fraud_reviews_per_partner(
        client, actors, heron, staff_web, store):
    from gateway.services.protection.stats import protection_by_partner

    first = heron.post("/api/v1/lsrs", simple()).get_json()
    _dispute(client, store, first["id"])
    staff_web.post(f"/staff/orders/{first['id']}/hold", {"action": "cancel"})
    actors.partner(ccna="SWC", name="Summit West Communications", spids=("SW01",), type="clec")
    actors.user("summit", partner="SWC")
    Api(client, actors.token("summit")).post("/api/v1/lsrs",
                                             simple(ccna="SWC", pon="SWC1", cc="SW01"))
    from datetime import datetime
    rows = {p.ccna: p for p in protection_by_partner(
        store, since=datetime(2026, 11, 1, tzinfo=UTC))}
    assert rows["BHW"].dispute_total == 1 and rows["BHW"].disputes["canceled"] == 1
    assert rows["SWC"].review_total == 1 and rows["SWC"].reviews["waiting"] == 1
    page = staff_web.get("/staff/dashboard").get_data(True)
    assert "Port-out protection per partner" in page and "Summit West Communications" in page
