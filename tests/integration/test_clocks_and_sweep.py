"""Clocks (§5.4, §5.5), the sweep's timers and the old provider's NPAC steps (§9.2, §9.4)."""
import json

import pytest
import sqlalchemy as sa

from gateway.models import AuditEvent, Notice, Partner
from tests.conftest import EXAMPLES, LOA, set_now


def example(name, **changes):
    return dict(json.loads((EXAMPLES / name).read_text()), **changes)


def _sv(heron, tn="5415550142", due="2026-11-24", spid="B451"):
    return heron.post("/api/v1/npac/subscriptions", {"tn": tn, "new_spid": spid,
                                                     "lrn": "5419990000", "due_date": due})


def test_automatic_foc_shows_its_clocks(heron):
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    # received Monday 10:00 Pacific: FOC due 4 business hours later; window to the 4th
    # business day after the 11-24 due date, skipping Thanksgiving and the Friday after
    assert order["clocks"] == {"foc_due_at": "2026-11-23T22:00:00+00:00", "foc_overdue": False,
                               "window_ends_at": "2026-12-03T07:59:59+00:00"}


def test_sweep_flags_an_overdue_expedite_once_and_tells_the_partner(app, heron, cli, db_session):
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json", ddd="2026-11-23",
                                               exp="Y")).get_json()
    assert order["status"] == "manual_review" and order["review_reason"] == "expedite"
    assert order["clocks"]["foc_due_at"] == "2026-11-23T22:00:00+00:00"
    set_now(app, "2026-11-23T13:59:00-08:00")
    assert "foc_overdue: 0" in cli("sweep")[1]
    set_now(app, "2026-11-23T14:01:00-08:00")
    assert "foc_overdue: 1" in cli("sweep")[1]
    assert "foc_overdue: 0" in cli("sweep")[1]
    again = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert again["clocks"]["foc_overdue"] is True and again["status"] == "manual_review"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        Notice.event == "lsr.foc_overdue", Notice.lsr_id == order["id"])) == 1
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "lsr.foc_overdue")) == 1


def test_sv_created_before_the_lsr_is_concurred_when_the_foc_issues(app, heron):
    early = _sv(heron).get_json()
    assert early["status"] == "conflict" and early["conflict_cause"] == 50
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    assert order["status"] == "foc", order["rejects"]
    sv = heron.get(f"/api/v1/npac/subscriptions/{early['id']}").get_json()
    assert sv["status"] == "pending" and sv["concurred"] is True and sv["conflict_cause"] is None
    set_now(app, "2026-11-24T08:00:00-08:00")
    active = heron.post(f"/api/v1/npac/subscriptions/{early['id']}/activate")
    assert active.status_code == 200 and active.get_json()["status"] == "active"
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "completed"


def test_open_sv_of_another_provider_rejects_the_lsr_r205(heron, actors, client):
    from tests.conftest import Api

    actors.partner(ccna="GTW", name="Gateway West", spids=("GW01",), type="clec")
    actors.user("gtw", partner="GTW")
    other = Api(client, actors.token("gtw"))
    _sv(other, spid="GW01")  # conflict 50: Gateway West has no FOC
    resp = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    assert resp["status"] == "rejected"
    assert [r["code"] for r in resp["rejects"]] == ["R205"]


def test_staff_put_a_pending_sv_into_conflict_until_noon_the_business_day_before(
        app, heron, desk):
    heron.post("/api/v1/lsrs", example("lsr-simple-port.json", ddd="2026-11-25"))
    sv = _sv(heron, due="2026-11-25").get_json()
    assert sv["status"] == "pending"
    assert heron.post(f"/api/v1/staff/npac/subscriptions/{sv['id']}/conflict",
                      {"cause": 54}).status_code == 403
    bad = desk.post(f"/api/v1/staff/npac/subscriptions/{sv['id']}/conflict", {"cause": 99})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_cause"
    set_now(app, "2026-11-24T12:00:01-08:00")  # noon of the business day before 11-25 passed
    late = desk.post(f"/api/v1/staff/npac/subscriptions/{sv['id']}/conflict", {"cause": 54})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "conflict_too_late"
    set_now(app, "2026-11-24T11:59:00-08:00")
    done = desk.post(f"/api/v1/staff/npac/subscriptions/{sv['id']}/conflict", {"cause": 54})
    assert done.status_code == 200
    assert done.get_json()["status"] == "conflict" and done.get_json()["conflict_cause"] == 54
    set_now(app, "2026-11-25T09:00:00-08:00")
    refused = heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    assert refused.status_code == 409


@pytest.mark.parametrize("privileges, agent_told", [(("lsr", "view"), True),
                                                    (("lsr",), False)], ids=["view", "no_view"])
def test_a_staff_conflict_on_an_agents_order_is_told_to_the_agent_while_it_may_view_it(
        heron, agent, desk, cli, db_session, privileges, agent_told):
    """§10.3: the conflict notice of an order an agent sent reaches the carrier and, while the
    agent's approval is live and includes `view`, the agent too."""
    grant = ["partner", "grant", "--carrier", "BHW", "--agent", "AGX"]
    for privilege in privileges:
        grant += ["--privilege", privilege]
    assert cli(*grant)[0] == 0
    order = agent.post("/api/v1/lsrs", example("lsr-simple-port.json", pon="AGENTCF",
                                               ddd="2026-11-25", loa=LOA)).get_json()
    assert order["status"] == "foc", order["rejects"]
    sv = _sv(heron, due="2026-11-25").get_json()
    assert desk.post(f"/api/v1/staff/npac/subscriptions/{sv['id']}/conflict",
                     {"cause": 54}).status_code == 200
    ids = dict(db_session.execute(sa.select(Partner.ccna, Partner.id)).tuples().all())
    db_session.expire_all()
    told = db_session.scalars(sa.select(Notice).where(Notice.event == "npac.conflict")).all()
    assert sorted(n.partner_id for n in told) == sorted(
        [ids["BHW"], ids["AGX"]] if agent_told else [ids["BHW"]])
    assert all(n.lsr_id == order["id"] and n.data["subscription"]["id"] == sv["id"]
               for n in told)
    assert len({(n.subject, n.body) for n in told}) == 1  # one notice, told to both


def test_sweep_cancels_svs_left_open_thirty_days_after_their_due_date(app, heron, cli):
    sv = _sv(heron, due="2026-11-24").get_json()
    assert sv["status"] == "conflict"
    set_now(app, "2026-12-24T12:00:00-08:00")
    assert "svs_canceled: 0" in cli("sweep")[1]
    set_now(app, "2026-12-25T12:00:00-08:00")
    assert "svs_canceled: 1" in cli("sweep")[1]
    assert heron.get(f"/api/v1/npac/subscriptions/{sv['id']}").get_json()["status"] == "canceled"


def test_staff_acknowledge_and_resolve_an_escalation_through_the_api(heron, desk, actors, client):
    from tests.conftest import Api

    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    raised = heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                        {"reason": "port_day_problem", "text": "Calls still route to you"})
    assert raised.status_code == 201
    listed = desk.get("/api/v1/staff/escalations").get_json()["items"]
    assert [e["id"] for e in listed] == [raised.get_json()["id"]]
    assert listed[0]["contact"]["name"] == "LNP Desk"
    esc_id = listed[0]["id"]
    ack = desk.post(f"/api/v1/staff/escalations/{esc_id}/acknowledge", {})
    assert ack.status_code == 200 and ack.get_json()["acknowledged_at"]
    assert desk.post(f"/api/v1/staff/escalations/{esc_id}/resolve", {}).status_code == 400
    done = desk.post(f"/api/v1/staff/escalations/{esc_id}/resolve",
                     {"resolution": "LRN corrected in the switch"})
    assert done.status_code == 200
    assert done.get_json()["resolution"] == "LRN corrected in the switch"
    again = desk.post(f"/api/v1/staff/escalations/{esc_id}/resolve", {"resolution": "x"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_resolved"
    mine = heron.get(f"/api/v1/lsrs/{order['id']}/escalations").get_json()["items"]
    assert mine[0]["resolved_at"] and mine[0]["level"] == 1
    assert heron.post(f"/api/v1/staff/escalations/{esc_id}/acknowledge", {}).status_code == 403
    actors.partner(ccna="GTW", name="Gateway West", spids=("GW01",), type="clec")
    actors.user("gtw", partner="GTW")
    other = Api(client, actors.token("gtw"))
    assert other.get(f"/api/v1/lsrs/{order['id']}/escalations").status_code == 404


def _activate(heron, tn, due):
    sv = _sv(heron, tn=tn, due=due).get_json()
    resp = heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_an_order_with_some_tns_active_does_not_expire_at_the_window_end(app, heron, cli):
    lsr = example("lsr-partial-port.json", pon="BOTH", mi="", nan="", remarks="",
                  tns=["5415550300", "5415550301"])
    order = heron.post("/api/v1/lsrs", lsr).get_json()
    assert order["status"] == "foc" and order["foc"]["due_date"] == "2026-12-01", order["rejects"]
    set_now(app, "2026-12-01T09:00:00-08:00")
    _activate(heron, "5415550300", "2026-12-01")
    set_now(app, "2026-12-08T00:00:01-08:00")  # window ended 12-07 23:59:59 Pacific
    assert "expired: 0" in cli("sweep")[1]
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "foc"


def test_completed_partial_port_makes_the_nan_the_accounts_new_btn(app, heron, db_session):
    from gateway.models import Account

    order = heron.post("/api/v1/lsrs", example("lsr-partial-port.json")).get_json()
    assert order["foc"]["new_btn"] == "5415550301"
    set_now(app, "2026-12-01T09:00:00-08:00")
    _activate(heron, "5415550300", order["foc"]["due_date"])
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "completed"
    account = db_session.get(Account, "884377")
    assert account.btn == "5415550301" and account.closed_at is None


def test_csr_answer_shows_its_due_time_was_met(heron):
    body = heron.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"}).get_json()
    assert body["due_met"] is True and body["answered_at"] == body["received_at"]
    assert body["due_at"] > body["answered_at"]


def test_staff_decision_with_a_date_that_is_not_a_date_is_invalid_due_date(heron, desk):
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json", ddd="2026-11-23",
                                               exp="Y")).get_json()
    for bad in ("2026-13-01", 20261124, "tomorrow"):
        resp = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                         {"action": "foc", "due_date": bad})
        assert resp.status_code == 400, bad
        assert resp.get_json()["error"]["code"] == "invalid_due_date"
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "manual_review"


def test_manual_entry_through_the_api_refuses_a_received_time_in_the_future(desk, heron):
    lsr = example("lsr-simple-port.json", pon="FAXFUTURE")
    resp = desk.post("/api/v1/staff/manual-lsrs", {
        "partner_ccna": "BHW", "channel": "fax", "received_at": "2026-11-23T11:00:00-08:00",
        "lsr": lsr})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_received_at"
    assert heron.get("/api/v1/lsrs?pon=FAXFUTURE").get_json()["total"] == 0
    old = desk.post("/api/v1/staff/manual-csr-requests", {
        "partner_ccna": "BHW", "channel": "email", "received_at": "2026-10-01T09:00:00-07:00",
        "request": {"tn": "5415550142", "agauth": "Y"}})
    assert old.status_code == 400 and old.get_json()["error"]["code"] == "invalid_received_at"
