"""Port-out protection (business-rules §11): the end user's dispute link and the hold, staff
release and cancel, risk review across partners, freeze by request; SQLite and PostgreSQL."""
import json
import re

import pytest
import sqlalchemy as sa

from gateway.models import Account, AuditEvent, DisputeLink, Notice, OrderHold
from tests.conftest import EXAMPLES, Api, set_now

LINK = re.compile(r"http://127\.0\.0\.1:5000(/stop/[A-Za-z0-9_\-]+)")


def simple(**changes):
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def _link(session, lsr_id):
    """The dispute link of the order's latest end-user notice (the email's text)."""
    session.expire_all()
    body = session.scalars(sa.select(Notice.body).where(
        Notice.event == "enduser.port_notice", Notice.lsr_id == lsr_id)
        .order_by(Notice.id.desc())).first()
    match = LINK.search(body or "")
    assert match, body
    return match.group(1)


def _sv(api, tn="5415550142", due="2026-11-24"):
    resp = api.post("/api/v1/npac/subscriptions", {"tn": tn, "new_spid": "B451",
                                                   "lrn": "5419990000", "due_date": due})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _events(session, lsr_id):
    session.expire_all()
    return [e for e in session.scalars(sa.select(Notice.event).where(Notice.lsr_id == lsr_id)
                                       .order_by(Notice.id))]


@pytest.fixture
def focd(heron, db_session):
    """Blue Heron's simple port of 5415550142 with an FOC for Tuesday 2026-11-24."""
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    assert order["status"] == "foc" and order["hold"] is None, order
    return order


@pytest.fixture
def summit(client, actors):
    """A second carrier (Summit West, SPID SW01) with an API client."""
    actors.partner(ccna="SWC", name="Summit West Communications", spids=("SW01",), type="clec")
    actors.user("summit", partner="SWC")
    return Api(client, actors.token("summit"))


def test_accepted_lsr_emails_the_end_user_a_link_that_shows_the_order(client, focd,
                                                                        db_session):
    path = _link(db_session, focd["id"])
    notice = db_session.scalars(sa.select(Notice).where(
        Notice.event == "enduser.port_notice")).one()
    assert notice.deliveries[0].target == "linda.n@example.net"
    assert "503-555-0199" in notice.body  # the desk phone stays in the email (§10.2)
    token = path.rsplit("/", 1)[1]
    stored = db_session.scalars(sa.select(DisputeLink.token_hash)).one()
    assert token not in stored and len(stored) == 64  # kept hashed only
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "541-555-0142" in text and "Blue Heron Wireless (BHW)" in text
    assert "2026-11-24" in text and 'name="csrf_token"' not in text  # CSRF is off in tests


def test_dispute_holds_the_order_conflicts_its_svs_refuses_activation_and_tells_partner(
        app, client, heron, desk, focd, db_session):
    sv = _sv(heron)
    assert (sv["status"], sv["concurred"]) == ("pending", True)
    done = client.post(_link(db_session, focd["id"]), data={"confirm": "yes"})
    assert done.status_code == 200 and "on hold" in done.get_data(as_text=True)

    order = heron.get(f"/api/v1/lsrs/{focd['id']}").get_json()
    assert (order["status"], order["hold"], order["review_reason"]) == \
        ("foc", "dispute", "dispute")
    assert order["foc"]["due_date"] == "2026-11-24"  # a hold moves no date
    held_sv = heron.get(f"/api/v1/npac/subscriptions/{sv['id']}").get_json()
    assert (held_sv["status"], held_sv["conflict_cause"]) == ("conflict", 54)
    assert "lsr.disputed" in _events(db_session, focd["id"])
    queue = desk.get("/api/v1/staff/queue").get_json()["items"]
    assert queue[0]["id"] == focd["id"] and queue[0]["reason"] == "dispute"
    assert queue[0]["due_at"] == "2026-11-23T22:00:00+00:00"  # 4 business hours after 10:00
    hold = db_session.scalars(sa.select(OrderHold)).one()
    assert hold.sv_ids == [sv["id"]] and hold.ip == "127.0.0.1"
    assert db_session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action == "lsr.disputed")).one()

    set_now(app, "2026-11-24T09:00:00-08:00")
    refused = heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "not_activatable" and "disputed" in error["message"]
    # NPAC keeps one open SV per TN: the new provider cancels it and creates another, which,
    # created while the order is held, goes to conflict 54 too
    assert heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/cancel").status_code == 200
    late = _sv(heron)
    assert (late["status"], late["conflict_cause"]) == ("conflict", 54)


def test_staff_release_returns_the_held_svs_to_pending_and_activation_works(
        app, client, heron, desk, focd, db_session):
    sv = _sv(heron)
    client.post(_link(db_session, focd["id"]), data={"confirm": "yes"})
    released = desk.post(f"/api/v1/staff/lsrs/{focd['id']}/hold",
                         {"action": "release", "remarks": "End user called back: genuine."})
    assert released.status_code == 200, released.get_json()
    body = released.get_json()
    assert (body["status"], body["hold"], body["review_reason"]) == ("foc", None, None)
    again = heron.get(f"/api/v1/npac/subscriptions/{sv['id']}").get_json()
    assert (again["status"], again["concurred"], again["conflict_cause"]) == \
        ("pending", True, None)
    assert "lsr.released" in _events(db_session, focd["id"])
    assert desk.get("/api/v1/staff/queue").get_json()["items"] == []
    set_now(app, "2026-11-24T09:00:00-08:00")
    active = heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    assert active.status_code == 200 and active.get_json()["status"] == "active"
    assert heron.get(f"/api/v1/lsrs/{focd['id']}").get_json()["status"] == "completed"
    second = desk.post(f"/api/v1/staff/lsrs/{focd['id']}/hold", {"action": "release"})
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "not_on_hold"


def test_staff_cancel_of_a_held_order_cancels_it_with_end_user_dispute(
        client, heron, desk, focd, db_session):
    sv = _sv(heron)
    client.post(_link(db_session, focd["id"]), data={"confirm": "yes"})
    resp = desk.post(f"/api/v1/staff/lsrs/{focd['id']}/hold",
                     {"action": "cancel", "remarks": "Slammed: the end user never asked."})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["status"], body["cancel_reason"], body["hold"]) == \
        ("canceled", "end_user_dispute", None)
    assert heron.get(f"/api/v1/npac/subscriptions/{sv['id']}").get_json()["status"] == \
        "canceled"
    assert _events(db_session, focd["id"])[-1] == "lsr.canceled"
    hold = db_session.scalars(sa.select(OrderHold)).one()
    assert (hold.outcome, hold.remarks) == ("canceled", "Slammed: the end user never asked.")


def test_hold_endpoint_answers_409_for_an_order_not_on_hold_and_403_to_partners(
        heron, desk, focd):
    resp = desk.post(f"/api/v1/staff/lsrs/{focd['id']}/hold", {"action": "release"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_on_hold"
    bad = desk.post(f"/api/v1/staff/lsrs/{focd['id']}/hold", {"action": "maybe"})
    assert bad.status_code == 400
    assert heron.post(f"/api/v1/staff/lsrs/{focd['id']}/hold",
                      {"action": "release"}).status_code == 403
    assert desk.post("/api/v1/staff/lsrs/999999/hold",
                     {"action": "release"}).status_code == 404


def _state(heron, db_session, lsr_id):
    db_session.expire_all()
    return (heron.get(f"/api/v1/lsrs/{lsr_id}").get_json(),
            db_session.scalar(sa.select(sa.func.count()).select_from(OrderHold)))


def test_used_unknown_and_expired_links_answer_404_and_change_nothing(
        app, client, heron, cli, focd, db_session):
    path = _link(db_session, focd["id"])
    assert client.get("/stop/not-a-real-token").status_code == 404
    assert client.post("/stop/not-a-real-token", data={"confirm": "yes"}).status_code == 404
    assert client.post(path, data={"confirm": "yes"}).status_code == 200
    before = _state(heron, db_session, focd["id"])
    assert client.get(path).status_code == 404  # used for a dispute
    gone = client.post(path, data={"confirm": "yes"})
    assert gone.status_code == 404 and "no longer valid" in gone.get_data(as_text=True)
    assert _state(heron, db_session, focd["id"]) == before

    partial = json.loads((EXAMPLES / "lsr-partial-port.json").read_text())
    other = heron.post("/api/v1/lsrs", partial).get_json()
    assert other["status"] == "foc", other["rejects"]
    expiring = _link(db_session, other["id"])
    set_now(app, "2026-12-10T09:00:00-08:00")
    assert cli("sweep")[0] == 0
    assert heron.get(f"/api/v1/lsrs/{other['id']}").get_json()["status"] == "expired"
    assert client.get(expiring).status_code == 404
    assert client.post(expiring, data={"confirm": "yes"}).status_code == 404


def test_dispute_without_confirmation_changes_nothing(client, heron, focd, db_session):
    path = _link(db_session, focd["id"])
    assert client.post(path, data={"confirm": "no"}).status_code == 400
    assert heron.get(f"/api/v1/lsrs/{focd['id']}").get_json()["hold"] is None
    assert client.get(path).status_code == 200  # the link still works


def test_too_many_invalid_links_from_one_address_are_refused_429(client, heron):
    for i in range(10):
        assert client.get(f"/stop/guess{i}").status_code == 404
    assert client.get("/stop/guess-again").status_code == 429


def test_sup1_on_a_held_order_ends_the_hold_with_the_order(client, heron, focd, db_session):
    client.post(_link(db_session, focd["id"]), data={"confirm": "yes"})
    resp = heron.post(f"/api/v1/lsrs/{focd['id']}/supplements", {"sup": "1", "ver": "2"})
    assert resp.status_code == 200
    body = resp.get_json()["lsr"]
    assert (body["status"], body["hold"], body["cancel_reason"]) == ("canceled", None, None)
    db_session.expire_all()
    assert db_session.scalars(sa.select(OrderHold.outcome)).one() == "sup_canceled"


# --- risk review (§11.3) ----------------------------------------------------------------


def _summit_lsr(**changes):
    return simple(ccna="SWC", pon="SWC1", cc="SW01", **changes)


def test_second_partners_lsr_on_the_same_account_within_7_days_goes_to_fraud_review(
        app, heron, summit, desk, focd, db_session):
    canceled = heron.post("/api/v1/lsrs", {"pon": focd["pon"], "sup": "1", "ver": "2"})
    assert canceled.get_json()["lsr"]["status"] == "canceled"
    set_now(app, "2026-11-25T10:00:00-08:00")
    dry = summit.post("/api/v1/lsrs/validate", _summit_lsr(ddd="2026-11-27"))
    assert dry.get_json()["review_reason"] == "fraud_review"
    assert dry.get_json()["due_date"] is None
    resp = summit.post("/api/v1/lsrs", _summit_lsr(ddd="2026-11-27"))
    body = resp.get_json()
    assert resp.status_code == 201 and body["status"] == "manual_review", body
    assert (body["review_reason"], body["review_rule"]) == ("fraud_review", "cross_partner")
    assert body["foc"] is None
    # FOC due 17:00 local on the business day after the receipt day (Wednesday: Thanksgiving
    # and the Friday after are holidays, so Monday)
    assert body["clocks"]["foc_due_at"] == "2026-12-01T01:00:00+00:00"
    queue = desk.get("/api/v1/staff/queue").get_json()["items"]
    assert [(i["id"], i["reason"]) for i in queue] == [(body["id"], "fraud_review")]
    decided = desk.post(f"/api/v1/staff/lsrs/{body['id']}/decision",
                        {"action": "foc", "due_date": "2026-11-30"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "foc"
    assert decided.get_json()["review_rule"] == "cross_partner"  # why it went to staff


def test_another_partners_order_older_than_7_days_does_not_trigger_review(
        app, heron, summit, focd):
    heron.post("/api/v1/lsrs", {"pon": focd["pon"], "sup": "1", "ver": "2"})
    set_now(app, "2026-12-01T10:00:00-08:00")  # the FOC was issued 8 days before
    body = summit.post("/api/v1/lsrs", _summit_lsr(ddd="2026-12-03")).get_json()
    assert body["status"] == "foc" and body["review_rule"] is None, body


def test_the_same_partners_second_order_is_not_a_cross_partner_risk(app, heron, focd):
    heron.post("/api/v1/lsrs", {"pon": focd["pon"], "sup": "1", "ver": "2"})
    body = heron.post("/api/v1/lsrs", simple(pon="BHW2")).get_json()
    assert body["status"] == "foc" and body["review_reason"] is None, body


def test_a_disputed_order_counts_as_a_cross_partner_risk(client, heron, summit, desk, focd,
                                                          db_session):
    client.post(_link(db_session, focd["id"]), data={"confirm": "yes"})
    desk.post(f"/api/v1/staff/lsrs/{focd['id']}/hold", {"action": "cancel"})
    body = summit.post("/api/v1/lsrs", _summit_lsr(ddd="2026-11-25")).get_json()
    assert (body["status"], body["review_rule"]) == ("manual_review", "cross_partner"), body


# --- freeze by request (§11.1) -------------------------------------------------------------


def test_staff_freeze_by_request_is_audited_emails_the_end_user_and_stops_new_lsrs(
        heron, desk, db_session):
    resp = desk("PUT", "/api/v1/staff/accounts/884201/freeze",
                {"freeze": True, "channel": "phone", "note": "Linda called, verified by PIN."})
    assert resp.status_code == 200
    assert resp.get_json() == {"account_number": "884201", "port_freeze": True}
    db_session.expire_all()
    assert db_session.get(Account, "884201").port_freeze is True
    event = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "account.freeze_on")).one()
    assert event.details["channel"] == "phone" and event.actor == "desk"
    email = db_session.scalars(sa.select(Notice).where(Notice.event == "enduser.freeze")).one()
    assert email.deliveries[0].target == "linda.n@example.net"
    body = heron.post("/api/v1/lsrs", simple()).get_json()
    assert body["status"] == "rejected" and [r["code"] for r in body["rejects"]] == ["R307"]
    lifted = desk("PUT", "/api/v1/staff/accounts/884201/freeze",
                  {"freeze": False, "channel": "store", "note": "In the Bend store."})
    assert lifted.get_json()["port_freeze"] is False


@pytest.mark.parametrize("body, field", [
    ({"freeze": True, "channel": "fax", "note": "x"}, "channel"),
    ({"freeze": True, "channel": "phone", "note": "  "}, "note"),
    ({"freeze": "yes", "channel": "phone", "note": "x"}, "freeze"),
])
def test_freeze_with_a_bad_channel_note_or_value_is_400(desk, examples, body, field):
    resp = desk("PUT", "/api/v1/staff/accounts/884201/freeze", body)
    assert resp.status_code == 400 and field in resp.get_json()["error"]["fields"]


def test_freeze_of_an_unknown_account_is_404(desk, examples):
    resp = desk("PUT", "/api/v1/staff/accounts/000000/freeze",
                {"freeze": True, "channel": "phone", "note": "x"})
    assert resp.status_code == 404


def test_freeze_leaves_orders_already_focd_going(heron, desk, focd):
    desk("PUT", "/api/v1/staff/accounts/884201/freeze",
         {"freeze": True, "channel": "email", "note": "Email from the end user."})
    assert heron.get(f"/api/v1/lsrs/{focd['id']}").get_json()["status"] == "foc"


def test_cli_account_freeze_places_and_lifts_the_freeze(cli, examples, db_session):
    code, out = cli("account", "freeze", "884201", "--on", "--channel", "store",
                    "--note", "Linda at the Bend store, ID checked.")
    assert code == 0 and "freeze on" in out, out
    db_session.expire_all()
    assert db_session.get(Account, "884201").port_freeze is True
    code, out = cli("account", "freeze", "884201", "--off", "--channel", "phone", "--note", "ok")
    assert code == 0 and "freeze off" in out
    assert cli("account", "freeze", "000000", "--on", "--channel", "phone", "--note", "x")[0] \
        != 0
    code, out = cli("account", "freeze", "884201", "--on", "--channel", "fax", "--note", "x")
    assert code != 0 and "channel" in out
    code, out = cli("account", "freeze", "884201", "--on", "--channel", "phone", "--note", " ")
    assert code != 0 and "note" in out


def _summit_sv(summit, tn="5415550142", due="2026-11-24"):
    """Summit West's own SV on the TN: with no FOC for SW01 it waits in conflict 50."""
    resp = summit.post("/api/v1/npac/subscriptions", {"tn": tn, "new_spid": "SW01",
                                                      "lrn": "5039990000", "due_date": due})
    assert resp.status_code == 201, resp.get_json()
    assert (resp.get_json()["status"], resp.get_json()["conflict_cause"]) == ("conflict", 50)
    return resp.get_json()


@pytest.mark.parametrize("end", ["sup_1", "staff_cancel_of_the_hold", "expiry"])
def test_ending_an_order_cancels_its_own_svs_not_another_providers_on_its_tns(
        app, client, cli, heron, summit, desk, focd, db_session, end):
    """§6.1, §11.2, §5.5: the order's SVs are those of its TNs and its NNSP; Summit's SV on the
    same TN (NPAC's one open SV of the TN, so Blue Heron has none) belongs to Summit's port
    request and stays as it was."""
    theirs = _summit_sv(summit)
    if end == "sup_1":
        assert heron.post("/api/v1/lsrs", {"pon": focd["pon"], "ver": "2",
                                           "sup": "1"}).status_code == 200
    elif end == "staff_cancel_of_the_hold":
        assert client.post(_link(db_session, focd["id"]),
                           data={"confirm": "yes"}).status_code == 200
        assert desk.post(f"/api/v1/staff/lsrs/{focd['id']}/hold",
                         {"action": "cancel"}).status_code == 200
    else:
        set_now(app, "2026-12-03T00:00:01-08:00")  # the porting window closed at midnight
        code, out = cli("sweep")
        assert code == 0 and "expired: 1" in out, out
    assert heron.get(f"/api/v1/lsrs/{focd['id']}").get_json()["status"] in ("canceled",
                                                                           "expired")
    after = summit.get(f"/api/v1/npac/subscriptions/{theirs['id']}").get_json()
    assert (after["status"], after["conflict_cause"]) == ("conflict", 50)


def _dispute_then_sup3_to_review(client, heron, db_session, focd):
    """The end user disputes; the partner then sends a SUP 3 asking for an expedite, which
    sends the order back to staff review."""
    assert client.post(_link(db_session, focd["id"]), data={"confirm": "yes"}).status_code == 200
    sup = heron.post(f"/api/v1/lsrs/{focd['id']}/supplements",
                     simple(sup="3", ver="2", exp="Y", ddd="2026-11-23")).get_json()
    assert sup["supplement"]["status"] == "accepted", sup
    return sup["lsr"]


def test_a_correction_sending_a_held_order_back_to_review_leaves_it_held(
        app, client, heron, desk, focd, db_session):
    """§11.2: the hold ends only by the desk's release or cancel, expiry or a SUP 1; a SUP 3
    into staff review must not take the order out of the dispute."""
    sv = _sv(heron)
    order = _dispute_then_sup3_to_review(client, heron, db_session, focd)
    assert (order["status"], order["hold"], order["review_reason"]) == (
        "manual_review", "dispute", "dispute")
    queue = desk.get("/api/v1/staff/queue").get_json()["items"]
    assert [(i["kind"], i["id"], i["reason"]) for i in queue] == [("lsr", focd["id"], "dispute")]
    assert heron.get(f"/api/v1/npac/subscriptions/{sv['id']}").get_json()["conflict_cause"] == 54

    # the desk confirms a date: the order is FOC'd and still held, its SVs still in conflict
    done = desk.post(f"/api/v1/staff/lsrs/{focd['id']}/decision",
                     {"action": "foc", "due_date": "2026-11-24"}).get_json()
    assert (done["status"], done["hold"], done["review_reason"]) == ("foc", "dispute", "dispute")
    assert heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/cancel").status_code == 200
    fresh = _sv(heron)  # a new SV while the hold lasts goes to conflict 54 too
    assert (fresh["status"], fresh["conflict_cause"]) == ("conflict", 54)
    set_now(app, "2026-11-24T09:00:00-08:00")
    refused = heron.post(f"/api/v1/npac/subscriptions/{fresh['id']}/activate")
    assert refused.status_code == 409
    assert heron.get(f"/api/v1/lsrs/{focd['id']}").get_json()["status"] == "foc"


def test_a_staff_reject_of_a_held_order_in_review_ends_the_hold(client, heron, desk, focd,
                                                                 db_session):
    _dispute_then_sup3_to_review(client, heron, db_session, focd)
    body = desk.post(f"/api/v1/staff/lsrs/{focd['id']}/decision",
                     {"action": "reject", "codes": ["R901"], "remarks": "End user disputes"}
                     ).get_json()
    assert (body["status"], body["hold"], body["review_reason"]) == ("rejected", None, None)
    db_session.expire_all()
    held = db_session.scalars(sa.select(OrderHold).where(OrderHold.lsr_id == focd["id"])).one()
    assert held.outcome == "rejected" and held.ended_at is not None
    assert desk.get("/api/v1/staff/queue").get_json()["items"] == []


def test_a_second_open_sv_on_a_tn_is_refused_so_a_desk_conflict_cannot_be_bypassed(
        app, heron, desk, focd):
    """§9.4: the desk put the SV into conflict; NPAC keeps one pending or conflict SV per TN,
    so the new provider cannot create another (concurred by the FOC) and activate that."""
    sv = _sv(heron)
    assert desk.post(f"/api/v1/staff/npac/subscriptions/{sv['id']}/conflict",
                     {"cause": 54}).status_code == 200
    second = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                       "lrn": "5419990000",
                                                       "due_date": "2026-11-24"})
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "sv_open"
    assert heron.get(f"/api/v1/npac/subscriptions/{sv['id']}").get_json()["status"] == "conflict"
    # once the new provider cancels its SV, it may create another
    assert heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/cancel").status_code == 200
    assert _sv(heron)["status"] == "pending"
