"""A carrier reads its orders without looking up agent approvals: approvals are granted to agent
companies alone (business-rules §1.1.2, `directory.grant_agent`), so a carrier's scope holds
none (`policy.scope_for`); an agent's reads still go by its live approvals."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.conftest import EXAMPLES, Api

LOA = {"filename": "loa.pdf", "content_base64": "JVBERi0xLjQKJSBsb2EK"}


def _lsr(**changes):
    return dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes)


@pytest.fixture
def statements(app):
    """The SQL the app runs from here on (on whatever its sessions are bound to)."""
    database = app.extensions["portgate_db"]
    bind = database.sessionmaker.kw.get("bind") or database.engine
    seen: list[str] = []

    def listener(*args):
        seen.append(args[2])

    sa.event.listen(bind, "before_cursor_execute", listener)
    yield seen
    sa.event.remove(bind, "before_cursor_execute", listener)


@pytest.fixture
def agent(client, heron, actors, cli):
    actors.partner(ccna="AGX", name="Port Agents Inc", spids=(), type="agent")
    actors.user("agent", partner="AGX")
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    return Api(client, actors.token("agent"))


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
    order = agent.post("/api/v1/lsrs", _lsr(pon="AGENTREAD", loa=LOA)).get_json()
    assert order["status"] == "foc", order["rejects"]
    statements.clear()
    assert agent.get(f"/api/v1/lsrs/{order['id']}").status_code == 200
    assert _approvals_read(statements)
    assert heron.get(f"/api/v1/lsrs/{order['id']}").status_code == 200  # the carrier's own
    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    assert agent.get(f"/api/v1/lsrs/{order['id']}").status_code == 404
