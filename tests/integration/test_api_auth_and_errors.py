"""Tokens, privileges, isolation and the error envelope of the API (api-contract §4)."""
import json

import pytest

from tests.conftest import EXAMPLES, Api


def simple_port():
    return json.loads((EXAMPLES / "lsr-simple-port.json").read_text())


def test_missing_or_bad_token_is_401_with_envelope(client, heron):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        resp = client.get("/api/v1/lsrs", headers=headers)
        assert resp.status_code == 401
        assert set(resp.get_json()["error"]) >= {"code", "message"}


def test_disabled_users_token_stops_at_once(heron, cli):
    assert heron.get("/api/v1/lsrs").status_code == 200
    assert cli("user", "disable", "heron")[0] == 0
    assert heron.get("/api/v1/lsrs").status_code == 401


def test_user_without_lsr_privilege_gets_403(client, heron, actors):
    actors.user("viewer", privileges=("view",))
    viewer = Api(client, actors.token("viewer"))
    assert viewer.post("/api/v1/lsrs", simple_port()).status_code == 403
    assert viewer.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"}
                       ).status_code == 403
    assert viewer.get("/api/v1/lsrs").status_code == 200


def test_partner_cannot_read_other_partners_orders(client, heron, actors):
    order = heron.post("/api/v1/lsrs", simple_port()).get_json()
    csr = heron.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"}).get_json()
    actors.partner(ccna="SWC", name="Summit West", spids=("SW01",), type="clec")
    actors.user("summit", partner="SWC")
    other = Api(client, actors.token("summit"))
    assert other.get(f"/api/v1/lsrs/{order['id']}").status_code == 404
    assert other.get(f"/api/v1/csr-requests/{csr['id']}").status_code == 404
    assert other.post(f"/api/v1/lsrs/{order['id']}/supplements",
                      {"sup": "1", "ver": "2"}).status_code == 404
    assert other.get("/api/v1/lsrs").get_json()["total"] == 0
    assert other.get("/api/v1/csr-requests").get_json()["total"] == 0


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "42", "null", '"text"', "{"])
def test_body_that_is_not_a_json_object_is_400_bad_request(heron, raw):
    resp = heron("POST", "/api/v1/lsrs", raw=raw)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "bad_request"
    assert heron.get("/api/v1/lsrs").get_json()["total"] == 0


@pytest.mark.parametrize("body", [
    {}, {"tns": "5415550142"}, {"tns": [1, None, {"x": 1}]}, {"eu": "zip"}, {"ver": 7},
    {"pon": ["A"]}, {"ddd": "2026-02-30"}, {"loa": "x"}, {"sup": "9", "pon": "X", "ver": "1"},
    {"tns": ["5415550142"] * 600}, {"ccna": None, "agauth": True},
])
def test_strange_lsr_bodies_never_yield_5xx(heron, body):
    resp = heron.post("/api/v1/lsrs", body)
    assert resp.status_code < 500, resp.get_data(as_text=True)
    assert heron.post("/api/v1/lsrs/validate", body).status_code < 500


def test_pagination_of_lsrs(heron):
    for n in range(3):
        heron.post("/api/v1/lsrs", dict(simple_port(), pon=f"PAGE{n}", agauth="N"))
    page = heron.get("/api/v1/lsrs?page=2&per_page=2").get_json()
    assert page["total"] == 3 and page["page"] == 2 and page["per_page"] == 2
    assert len(page["items"]) == 1
    assert heron.get("/api/v1/lsrs?per_page=0").status_code == 400
    assert heron.get("/api/v1/lsrs?status=rejected").get_json()["total"] == 3
    assert heron.get("/api/v1/lsrs?tn=5415550142").get_json()["total"] == 3


def test_staff_endpoints_refuse_partner_tokens(heron):
    assert heron.get("/api/v1/staff/queue").status_code == 403
    assert heron.post("/api/v1/staff/accounts/884201/unlock").status_code == 403


def test_escalation_contacts_and_escalating_an_order(heron):
    contacts = heron.get("/api/v1/escalation-contacts?state=OR").get_json()
    assert contacts["state"] == "OR" and [c["level"] for c in contacts["levels"]] == [1, 2, 3]
    order = heron.post("/api/v1/lsrs", simple_port()).get_json()
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                      {"reason": "foc_overdue", "text": "Where is it?"})
    assert resp.status_code == 201
    assert resp.get_json()["level"] == 1
    assert resp.get_json()["contact"]["name"] == "LNP Desk"
    bad = heron.post(f"/api/v1/lsrs/{order['id']}/escalations", {"reason": "bored"})
    assert bad.status_code == 400


def test_openapi_document_lists_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in ("/csr-requests", "/lsrs", "/lsrs/validate", "/lsrs/{lsr_id}/supplements",
                 "/npac/subscriptions", "/staff/queue", "/staff/manual-lsrs"):
        assert path in doc["paths"], path


def test_health_endpoints(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_agent_acts_for_an_approving_carrier_until_revoked(client, heron, actors, cli):
    actors.partner(ccna="AGX", name="Port Agents Inc", spids=(), type="agent")
    actors.user("agent", partner="AGX")
    agent = Api(client, actors.token("agent"))
    loa = {"filename": "loa.pdf", "content_base64": "JVBERi0xLjQKJSBsb2EK"}
    lsr = dict(simple_port(), pon="AGENT1", loa=loa)
    refused = agent.post("/api/v1/lsrs", lsr).get_json()
    assert "R104" in [r["code"] for r in refused["rejects"]]
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    accepted = agent.post("/api/v1/lsrs", dict(lsr, pon="AGENT2")).get_json()
    assert accepted["status"] == "foc", accepted["rejects"]
    assert heron.get(f"/api/v1/lsrs/{accepted['id']}").status_code == 200
    no_loa = agent.post("/api/v1/lsrs", dict(simple_port(), pon="AGENT3")).get_json()
    assert "R102" in [r["code"] for r in no_loa["rejects"]]
    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    after = agent.post("/api/v1/lsrs", dict(lsr, pon="AGENT4")).get_json()
    assert "R104" in [r["code"] for r in after["rejects"]]


def test_revoked_agent_can_no_longer_supplement_the_carriers_order(client, heron, actors, cli):
    actors.partner(ccna="AGX", name="Port Agents Inc", spids=(), type="agent")
    actors.user("agent", partner="AGX")
    agent = Api(client, actors.token("agent"))
    loa = {"filename": "loa.pdf", "content_base64": "JVBERi0xLjQKJSBsb2EK"}
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    order = agent.post("/api/v1/lsrs", dict(simple_port(), pon="AGENTSUP", loa=loa)).get_json()
    assert order["status"] == "foc", order["rejects"]
    moved = agent.post(f"/api/v1/lsrs/{order['id']}/supplements",
                       {"sup": "2", "ver": "2", "ddd": "2026-11-25"}).get_json()
    assert moved["supplement"]["status"] == "accepted"
    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    refused = agent.post(f"/api/v1/lsrs/{order['id']}/supplements", {"sup": "1", "ver": "3"})
    assert refused.status_code == 404  # §1.1.1: without a live approval it does not exist
    assert agent.get(f"/api/v1/lsrs/{order['id']}").status_code == 404
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "foc"
    by_pon = agent.post("/api/v1/lsrs", {"sup": "1", "ver": "4", "pon": "AGENTSUP",
                                         "ccna": "BHW"})
    assert by_pon.status_code == 404  # the PON is no longer the agent's to name
    mine = heron.post(f"/api/v1/lsrs/{order['id']}/supplements", {"sup": "1", "ver": "5"})
    assert mine.get_json()["supplement"]["status"] == "accepted"


def test_a_csr_requested_with_blanks_around_its_tn_is_answered_for_that_tn(heron):
    """The rules read " 5415550142 " as the TN; the facts must too (it was a false R201: "NPAC
    has no provider")."""
    made = heron.post("/api/v1/csr-requests", {"tn": " 5415550142 ", "agauth": "Y"}).get_json()
    assert made["status"] == "returned", made["rejects"]
    assert made["csr"]["account_number"] == "884201"


def test_a_csr_reject_notice_never_carries_the_senders_text_as_its_tn(heron, store):
    import sqlalchemy as sa

    from gateway.models import Notice
    made = heron.post("/api/v1/csr-requests",
                      {"tn": "5415550142\r\nBcc: x@evil.example", "agauth": "Y"}).get_json()
    assert made["status"] == "rejected"
    notice = store.scalars(sa.select(Notice).where(Notice.event == "csr.rejected")).one()
    assert notice.subject == "CSR rejected: TN (not a TN)"
    assert "evil" not in notice.subject and "evil" not in notice.body


def test_an_agents_loa_whose_base64_ends_in_a_newline_is_kept(agent, cli):
    """The rules accept it (blanks around stripped); storing it must too, not answer 400."""
    from tests.conftest import LOA
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    loa = dict(LOA, content_base64=LOA["content_base64"] + "\n")
    resp = agent.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y",
                                               "ccna": "BHW", "loa": loa})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["status"] == "returned" and resp.get_json()["loa_id"]
