"""Every escalation step is its own notice (business-rules §10.3): raised, risen, acknowledged
and resolved each reach the partner (its `escalation` contacts by email and its webhook) and the
escalation contact of the level concerned (by email), with the escalation body as data. An
order an agent sent has them told to the agent too while its approval is live and includes
`view`, as the order's own notices are."""
import json

import pytest
import sqlalchemy as sa

from gateway.models import AuditEvent, Contact, Escalation, Notice, Partner
from tests.conftest import EXAMPLES, LOA, set_now

HOOK = "https://oss.heron.example/lnp"
AGENT_HOOK = "https://hooks.agents.example/portgate"
STEPS = ("escalation.raised", "escalation.risen", "escalation.acknowledged",
         "escalation.resolved")


def _partner_with_escalation_contact_and_webhook(store, ccna="BHW", hook=HOOK,
                                                 email="esc@heron.example"):
    """The partner's webhook and an `escalation` contact; its id."""
    partner = store.scalar(sa.select(Partner).where(Partner.ccna == ccna))
    partner.webhook_url, partner.webhook_secret = hook, "whsec-test"
    store.add(Contact(partner_id=partner.id, name="Esc Person", email=email,
                      phone="5035550123", types_csv="escalation",
                      created_at=partner.created_at))
    store.commit()
    return partner.id


def _escalate(app, heron):
    set_now(app, "2026-11-20T15:00:00-08:00")  # Friday 15:00 Pacific
    order = heron.post("/api/v1/lsrs", dict(
        json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), ddd="2026-11-23")).get_json()
    esc = heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                     {"reason": "foc_overdue", "text": "No FOC yet"}).get_json()
    return order, esc


def _notices(store, event):
    store.expire_all()
    return list(store.scalars(sa.select(Notice).where(Notice.event == event)
                              .order_by(Notice.id)))


def _channels(notice):
    return {d.channel: d.target for d in notice.deliveries}


def test_every_escalation_step_is_its_own_notice_to_partner_webhook_and_level_contact(
        app, heron, desk, cli, store):
    partner_id = _partner_with_escalation_contact_and_webhook(store)
    order, esc = _escalate(app, heron)

    raised, = _notices(store, "escalation.raised")
    assert raised.partner_id == partner_id and raised.lsr_id == order["id"]
    assert _channels(raised) == {"email": "esc@heron.example,lnp-desk@cascade.example",
                                 "webhook": HOOK}
    assert raised.data["id"] == esc["id"] and raised.data["lsr_id"] == order["id"]
    assert raised.data["status"] == "open" and raised.data["level"] == 1
    assert raised.data["reason"] == "foc_overdue" and raised.data["text"] == "No FOC yet"
    assert raised.data["contact"]["name"] == "LNP Desk"

    set_now(app, "2026-11-23T10:00:01-08:00")  # 4 business hours later: level 2
    assert "escalations_risen: 1" in cli("sweep")[1]
    risen, = _notices(store, "escalation.risen")
    assert risen.partner_id == partner_id
    assert _channels(risen) == {"email": "dana.whitfield@cascade.example,esc@heron.example",
                                "webhook": HOOK}
    assert risen.data["level"] == 2 and risen.data["status"] == "open"
    assert risen.data["contact"]["name"] == "Dana Whitfield"

    ack = desk.post(f"/api/v1/staff/escalations/{esc['id']}/acknowledge",
                    {"text": "Looking at it now"})  # api-contract §4.4's body
    assert ack.status_code == 200 and ack.get_json()["status"] == "acknowledged"
    acknowledged, = _notices(store, "escalation.acknowledged")
    assert _channels(acknowledged) == {
        "email": "dana.whitfield@cascade.example,esc@heron.example", "webhook": HOOK}
    assert acknowledged.data["status"] == "acknowledged" and acknowledged.data["level"] == 2
    assert acknowledged.body.endswith("Looking at it now")
    audited = store.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "escalation.acknowledged"))
    assert audited.details["text"] == "Looking at it now"

    done = desk.post(f"/api/v1/staff/escalations/{esc['id']}/resolve", {"text": "FOC issued"})
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"
    resolved, = _notices(store, "escalation.resolved")
    assert _channels(resolved) == {"email": "dana.whitfield@cascade.example,esc@heron.example",
                                   "webhook": HOOK}
    assert resolved.data["status"] == "resolved" and resolved.data["resolution"] == "FOC issued"
    assert resolved.data == done.get_json()  # the webhook data is the API's escalation body
    assert len(_notices(store, "escalation.acknowledged")) == 1  # resolving is not "acknowledged"


def test_resolving_an_unacknowledged_escalation_is_notified_as_resolved(app, heron, desk,
                                                                        store):
    _partner_with_escalation_contact_and_webhook(store)
    _, esc = _escalate(app, heron)
    # `resolution`, the key this endpoint first read, is still taken when `text` is absent
    desk.post(f"/api/v1/staff/escalations/{esc['id']}/resolve", {"resolution": "Called them"})
    resolved, = _notices(store, "escalation.resolved")
    assert resolved.subject == f"Escalation {esc['id']} resolved"
    assert "Resolution: Called them" in resolved.body
    assert _notices(store, "escalation.acknowledged") == []


def test_an_escalation_rising_two_levels_in_one_sweep_sends_one_notice_per_level(
        app, heron, cli, store):
    _escalate(app, heron)
    set_now(app, "2026-12-10T10:00:00-08:00")
    assert "escalations_risen: 2" in cli("sweep")[1]
    risen = _notices(store, "escalation.risen")
    assert [n.data["level"] for n in risen] == [2, 3]
    assert [_channels(n)["email"] for n in risen] == ["dana.whitfield@cascade.example",
                                                      "ravi.menon@cascade.example"]
    assert all(n.partner_id is not None for n in risen)


def test_resolving_needs_text_and_a_bad_body_changes_nothing(app, heron, desk, store):
    order, esc = _escalate(app, heron)
    url = f"/api/v1/staff/escalations/{esc['id']}/resolve"
    for body, field in (({"text": "  "}, "text"), ({}, "text"), ({"resolution": ""}, "resolution"),
                        ({"text": 7}, "text")):
        resp = desk.post(url, body)
        assert resp.status_code == 400, body
        assert resp.get_json()["error"]["fields"] == {field: resp.get_json()["error"]["fields"][
            field]}, body
    bad_ack = desk.post(f"/api/v1/staff/escalations/{esc['id']}/acknowledge", {"text": ["x"]})
    assert bad_ack.status_code == 400
    assert heron.get(f"/api/v1/lsrs/{order['id']}/escalations").get_json()["items"][0][
        "status"] == "open"
    assert _notices(store, "escalation.resolved") == []
    assert _notices(store, "escalation.acknowledged") == []


def test_a_disputed_reject_is_escalated_to_the_ladder_of_the_matched_accounts_state(
        app, heron, store):
    """§8.2 "reject disputed": a rejected order keeps no state of its own; its matched
    account's service address names the ladder."""
    order = heron.post("/api/v1/lsrs", dict(
        json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), eu={"zip": "97701"})
    ).get_json()
    assert order["status"] == "rejected"  # the ZIP is not the account's
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                      {"reason": "reject_disputed", "text": "The ZIP is right"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["level"] == 1 and resp.get_json()["contact"]["name"] == "LNP Desk"
    store.expire_all()
    assert store.get(Escalation, resp.get_json()["id"]).state == "OR"


def test_an_order_matching_no_account_and_naming_no_state_still_cannot_be_escalated(heron):
    body = dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), an="999999",
                tns=["5415559999"])  # a TN no account holds
    order = heron.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "rejected"
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                      {"reason": "reject_disputed", "text": "Which account?"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "unknown_state"


# --- §10.3: the agent that sent the order is told each step too --------------------------


def _partner_id(store, ccna):
    return store.scalar(sa.select(Partner.id).where(Partner.ccna == ccna))


def _agent_with_escalation_contact_and_webhook(store):
    return _partner_with_escalation_contact_and_webhook(store, "AGX", AGENT_HOOK,
                                                        "esc@agents.example")


def _agents_order(app, agent, pon):
    set_now(app, "2026-11-20T15:00:00-08:00")  # Friday 15:00 Pacific
    order = agent.post("/api/v1/lsrs", dict(
        json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), pon=pon, loa=LOA,
        ddd="2026-11-23")).get_json()
    assert order["status"] == "foc", order["rejects"]
    return order


def _told(store, event):
    return sorted(n.partner_id for n in _notices(store, event))


def test_every_escalation_step_of_an_agents_order_reaches_the_agent_too(
        app, heron, agent, desk, cli, store):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    carrier = _partner_with_escalation_contact_and_webhook(store)
    agx = _agent_with_escalation_contact_and_webhook(store)
    order = _agents_order(app, agent, "AGENTESC1")
    resp = agent.post(f"/api/v1/lsrs/{order['id']}/escalations",
                      {"reason": "port_day_problem", "text": "help"})  # raised by the agent
    assert resp.status_code == 201, resp.get_json()
    esc, = agent.get(f"/api/v1/lsrs/{order['id']}/escalations").get_json()["items"]
    assert esc["id"] == resp.get_json()["id"]

    set_now(app, "2026-11-23T10:00:01-08:00")  # 4 business hours later: level 2
    assert "escalations_risen: 1" in cli("sweep")[1]
    ack = desk.post(f"/api/v1/staff/escalations/{esc['id']}/acknowledge", {"text": "on it"})
    assert ack.status_code == 200
    done = desk.post(f"/api/v1/staff/escalations/{esc['id']}/resolve", {"text": "done"})
    assert done.status_code == 200

    for event in STEPS:
        notices = _notices(store, event)
        by_partner = {n.partner_id: n for n in notices}
        assert len(notices) == 2 and set(by_partner) == {carrier, agx}, event
        to_carrier, to_agent = by_partner[carrier], by_partner[agx]
        assert to_agent.lsr_id == order["id"] and to_agent.data["id"] == esc["id"], event
        assert to_agent.data == to_carrier.data, event  # one notice, told to both
        assert (to_agent.subject, to_agent.body) == (to_carrier.subject, to_carrier.body)
        # the agent's own escalation contacts and webhook; the level's contact is emailed once
        assert _channels(to_agent) == {"email": "esc@agents.example", "webhook": AGENT_HOOK}
        assert "esc@heron.example" in _channels(to_carrier)["email"], event
    assert _notices(store, "escalation.raised")[0].data == esc  # the API's escalation body
    assert _notices(store, "escalation.risen")[0].data["level"] == 2
    assert all(n.data == done.get_json() for n in _notices(store, "escalation.resolved"))


@pytest.mark.parametrize("privileges", [("lsr",), ("lsr", "view")], ids=["no_view", "revoked"])
def test_an_agent_without_a_live_view_approval_gets_no_escalation_notice(
        app, heron, agent, desk, cli, store, privileges):
    grant = ["partner", "grant", "--carrier", "BHW", "--agent", "AGX"]
    for privilege in privileges:
        grant += ["--privilege", privilege]
    assert cli(*grant)[0] == 0
    order = _agents_order(app, agent, "AGENTESC2")
    if "view" in privileges:  # live at first: the agent raises it and is told
        assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                      {"reason": "port_day_problem", "text": "help"})
    assert resp.status_code == 201, resp.get_json()
    esc = resp.get_json()
    set_now(app, "2026-11-23T10:00:01-08:00")
    assert "escalations_risen: 1" in cli("sweep")[1]
    assert desk.post(f"/api/v1/staff/escalations/{esc['id']}/acknowledge",
                     {"text": "on it"}).status_code == 200
    assert desk.post(f"/api/v1/staff/escalations/{esc['id']}/resolve",
                     {"text": "done"}).status_code == 200
    carrier = _partner_id(store, "BHW")
    for event in STEPS:
        assert _told(store, event) == [carrier], event


def test_an_escalation_the_agent_raised_stops_reaching_it_once_revoked(
        app, heron, agent, desk, cli, store):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    order = _agents_order(app, agent, "AGENTESC3")
    esc = agent.post(f"/api/v1/lsrs/{order['id']}/escalations",
                     {"reason": "port_day_problem", "text": "help"}).get_json()
    carrier, agx = _partner_id(store, "BHW"), _partner_id(store, "AGX")
    assert _told(store, "escalation.raised") == sorted([carrier, agx])

    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    set_now(app, "2026-11-23T10:00:01-08:00")
    assert "escalations_risen: 1" in cli("sweep")[1]
    assert desk.post(f"/api/v1/staff/escalations/{esc['id']}/acknowledge",
                     {"text": "on it"}).status_code == 200
    assert desk.post(f"/api/v1/staff/escalations/{esc['id']}/resolve",
                     {"text": "done"}).status_code == 200
    for event in STEPS[1:]:
        assert _told(store, event) == [carrier], event


def test_the_carriers_own_escalation_is_notified_once(app, heron, desk, store):
    _, esc = _escalate(app, heron)
    desk.post(f"/api/v1/staff/escalations/{esc['id']}/resolve", {"text": "done"})
    carrier = _partner_id(store, "BHW")
    assert _told(store, "escalation.raised") == _told(store, "escalation.resolved") == [carrier]
