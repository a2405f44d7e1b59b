"""A carrier reads its orders without looking up agent approvals: approvals are granted to agent
companies alone (business-rules §1.1.2, `directory.grant_agent`), so a carrier's scope holds
none (`policy.scope_for`); an agent's reads still go by its live approvals."""
from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLES, LOA, recorded_statements


def _lsr(**changes):
    return dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes)


@pytest.fixture
def statements(app):
    """The SQL the app runs from here on."""
    with recorded_statements(app) as seen:
        yield seen


def _approvals_read(statements):
    return [s for s in statements if "agent_approvals" in s]


def test_a_carrier_reads_its_order_without_the_approvals_look_up(heron, statements):
    order = heron.post("/api/v1/lsrs", _lsr()).get_json()
    assert order["status"] == "foc", order["rejects"]
    statements.clear()
    resp = heron.get(f"/api/v1/lsrs/{order['id']}")
    assert resp.status_code == 200 and resp.get_json()["id"] == order["id"]
    listed = heron.get("/api/v1/lsrs").get_json()
    assert [o["id"] for o in listed["items"]] == [order["id"]]
    assert statements and not _approvals_read(statements)


def test_an_agent_reads_by_its_live_approval_and_not_after_it_is_revoked(
        heron, agent, cli, statements):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    order = agent.post("/api/v1/lsrs", _lsr(pon="AGENTREAD", loa=LOA)).get_json()
    assert order["status"] == "foc", order["rejects"]
    statements.clear()
    assert agent.get(f"/api/v1/lsrs/{order['id']}").status_code == 200
    assert _approvals_read(statements)
    assert heron.get(f"/api/v1/lsrs/{order['id']}").status_code == 200  # the carrier's own
    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    assert agent.get(f"/api/v1/lsrs/{order['id']}").status_code == 404
