"""An LOA is read with the order or CSR request it authorized (business-rules §1.1.1, §1.3,
api-contract §4): the user's own role must hold the privilege that reads that object (an
order's: `view` or `lsr`; a CSR request's: `view` or `csr`), else 403; another partner's LOA,
or one its company may not see, answers 404 whatever the user's privileges."""
import json

import pytest

from tests.conftest import EXAMPLES, LOA, Api

CSR = {"tn": "5415550300", "agauth": "Y", "ccna": "BHW", "loa": LOA}


@pytest.fixture
def filed(client, agent, heron, actors, cli):
    """An order and a CSR request the agent AGX sent for BHW, each with its LOA."""
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    order = agent.post("/api/v1/lsrs", dict(body, loa=LOA)).get_json()
    assert order["status"] == "foc" and order["loa_id"], order
    req = agent.post("/api/v1/csr-requests", CSR).get_json()
    assert req["status"] == "returned" and req["loa_id"], req
    return order, req


def _user(client, actors, username, *privileges, partner="BHW"):
    actors.user(username, partner=partner, privileges=list(privileges))
    return Api(client, actors.token(username))


def test_csr_only_user_may_not_download_an_orders_loa(client, actors, filed):
    order, req = filed
    csr_only = _user(client, actors, "hcsr", "csr")
    assert csr_only.get(f"/api/v1/lsrs/{order['id']}").status_code == 403
    resp = csr_only.get(f"/api/v1/loas/{order['loa_id']}")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    assert csr_only.get(f"/api/v1/loas/{req['loa_id']}").status_code == 200


def test_lsr_only_user_may_not_download_a_csr_requests_loa(client, actors, filed):
    order, req = filed
    lsr_only = _user(client, actors, "hlsr", "lsr")
    assert lsr_only.get(f"/api/v1/csr-requests/{req['id']}").status_code == 403
    assert lsr_only.get(f"/api/v1/loas/{req['loa_id']}").status_code == 403
    assert lsr_only.get(f"/api/v1/loas/{order['loa_id']}").status_code == 200


def test_view_reads_both_loas_and_the_carrier_and_agent_keep_theirs(client, actors, agent,
                                                                    heron, filed):
    order, req = filed
    view_only = _user(client, actors, "hview", "view")
    for who in (view_only, heron, agent):
        for loa_id in (order["loa_id"], req["loa_id"]):
            assert who.get(f"/api/v1/loas/{loa_id}").status_code == 200, (who.token, loa_id)


def test_an_agent_user_needs_the_privilege_too(client, actors, filed):
    order, req = filed
    agent_csr = _user(client, actors, "agcsr", "csr", partner="AGX")
    assert agent_csr.get(f"/api/v1/loas/{order['loa_id']}").status_code == 403
    assert agent_csr.get(f"/api/v1/loas/{req['loa_id']}").status_code == 200


def test_another_partners_loa_is_404_whatever_the_privileges(client, actors, filed):
    order, req = filed
    actors.partner("SWC", "Summit West", spids=("SW01",), type="clec")
    for username, privileges in (("swall", ()), ("swcsr", ("csr",)), ("swlsr", ("lsr",))):
        other = _user(client, actors, username, *privileges, partner="SWC")
        for loa_id in (order["loa_id"], req["loa_id"], 999999):
            assert other.get(f"/api/v1/loas/{loa_id}").status_code == 404, (username, loa_id)
