"""Agent access requests (business-rules §1.1.2): the agent asks, the carrier approves `csr`
only, the agent's LSR is refused R104 and its CSR request returned; suspend → R104, resume →
works; every step audited, notified to both sides and shown on the activity page."""
import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from gateway.models import AccessRequest, AgentApproval, AuditEvent, Delivery, Notice, Partner
from tests.conftest import EXAMPLES, LOA, Api, Web

CSR = {"tn": "5415550142", "agauth": "Y", "ccna": "BHW", "loa": LOA}


def _lsr(pon: str) -> dict:
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    return dict(body, pon=pon, loa=LOA)


def _codes(resp) -> list[str]:
    return [r["code"] for r in resp.get_json()["rejects"]]


@pytest.fixture
def parties(app, heron, actors):
    """Carrier BHW with an admin, agent AGX with an admin (pages) and a user (API)."""
    actors.user("heronadmin", role="partner_admin")
    actors.partner("AGX", "Port Agents Inc", spids=(), type="agent")
    actors.user("agxadmin", role="partner_admin", partner="AGX")
    actors.user("agx", partner="AGX")
    carrier, agent_admin = Web(app.test_client()), Web(app.test_client())
    carrier.login("heronadmin")
    agent_admin.login("agxadmin")
    return SimpleNamespace(carrier=carrier, agent_admin=agent_admin, heron=heron,
                           agent=Api(app.test_client(), actors.token("agx")))


def _fresh(store, query):
    store.expire_all()
    return store.scalar(query)


def _ask(parties, privileges=("csr", "lsr", "view"), carrier="bhw"):
    return parties.agent_admin.post("/admin/agents/ask", {
        "carrier_ccna": carrier, "privileges": list(privileges),
        "reason": "We port Heron's reseller lines"})


def test_agent_asks_carrier_approves_csr_only_then_suspend_refuses_and_resume_restores(
        parties, cli, store):
    assert _ask(parties).status_code == 302
    req = _fresh(store, sa.select(AccessRequest))
    assert req.status == "open" and req.privileges == {"csr", "lsr", "view"}
    listing = parties.carrier.get("/admin/agents").get_data(as_text=True)
    assert "Requests waiting for you (1)" in listing and "We port Heron" in listing
    assert parties.carrier.get(f"/admin/agents/requests/{req.id}").status_code == 200
    assert parties.carrier.post(f"/admin/agents/requests/{req.id}/approve",
                                {"privileges": ["csr"]}).status_code == 302
    approval = _fresh(store, sa.select(AgentApproval))
    assert approval.privileges == {"csr"} and approval.live
    assert _fresh(store, sa.select(AccessRequest.status)) == "approved"

    lsr = parties.agent.post("/api/v1/lsrs", _lsr("AGX1"))
    assert lsr.status_code == 201 and "R104" in _codes(lsr)  # approved for csr only
    csr = parties.agent.post("/api/v1/csr-requests", CSR)
    assert csr.status_code == 201 and csr.get_json()["status"] == "returned"

    assert cli("partner", "suspend", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    refused = parties.agent.post("/api/v1/csr-requests", CSR)
    assert refused.status_code == 201 and _codes(refused) == ["R104"]
    assert "R104" in _codes(parties.agent.post("/api/v1/lsrs", _lsr("AGX2")))

    code, out = cli("partner", "resume", "--carrier", "BHW", "--agent", "AGX")
    assert code == 0 and "csr" in out
    again = parties.agent.post("/api/v1/csr-requests", CSR)
    assert again.get_json()["status"] == "returned", again.get_json()

    page = parties.carrier.get(f"/admin/agents/{approval.id}/activity").get_data(as_text=True)
    for step in ("Access requested", "Request approved", "Approval granted",
                 "Approval suspended", "Approval resumed"):
        assert step in page, step
    store.expire_all()
    actions = set(store.scalars(sa.select(AuditEvent.action)))
    assert {"access.requested", "access.approved", "agent.granted", "agent.suspended",
            "agent.resumed"} <= actions


def test_every_step_is_notified_to_both_partners_by_webhook_and_admin_email(parties, cli,
                                                                            store):
    for ccna in ("BHW", "AGX"):
        store.execute(sa.update(Partner).where(Partner.ccna == ccna).values(
            webhook_url=f"https://{ccna.lower()}.example/hooks", webhook_secret="s" * 20))
    store.commit()
    assert _ask(parties).status_code == 302
    req = _fresh(store, sa.select(AccessRequest))
    parties.carrier.post(f"/admin/agents/requests/{req.id}/approve",
                         {"privileges": ["csr", "view"], "note": "Welcome aboard"})
    for step in ("suspend", "resume", "revoke"):
        assert cli("partner", step, "--carrier", "BHW", "--agent", "AGX")[0] == 0
    store.expire_all()
    rows = store.execute(sa.select(Notice.event, Partner.ccna, Delivery.channel,
                                   Delivery.target)
                         .join(Partner, Partner.id == Notice.partner_id)
                         .join(Delivery, Delivery.notice_id == Notice.id)
                         .where(Notice.event.like("access.%"))).all()
    for event in ("access.requested", "access.approved", "access.suspended", "access.resumed",
                  "access.revoked"):
        got = {(ccna, channel): target for ev, ccna, channel, target in rows if ev == event}
        assert got[("BHW", "webhook")] == "https://bhw.example/hooks", event
        assert got[("AGX", "webhook")] == "https://agx.example/hooks", event
        assert got[("BHW", "email")] == "heronadmin@example.net", event  # admins only
        assert got[("AGX", "email")] == "agxadmin@example.net", event
    approved = _fresh(store, sa.select(Notice).where(Notice.event == "access.approved"))
    assert approved.data["request"]["status"] == "approved"
    assert approved.data["request"]["note"] == "Welcome aboard"
    assert approved.data["approval"]["privileges"] == ["csr", "view"]
    assert approved.data["agent"] == {"ccna": "AGX", "name": "Port Agents Inc"}


def test_a_declined_request_is_told_to_the_agent_and_grants_nothing(parties, store):
    assert _ask(parties, privileges=("lsr",)).status_code == 302
    req = _fresh(store, sa.select(AccessRequest))
    assert parties.carrier.post(f"/admin/agents/requests/{req.id}/decline",
                                {"note": "No contract with you"}).status_code == 302
    assert _fresh(store, sa.select(AccessRequest.status)) == "declined"
    assert _fresh(store, sa.select(sa.func.count()).select_from(AgentApproval)) == 0
    page = parties.agent_admin.get("/admin/agents").get_data(as_text=True)
    assert "declined" in page and "No contract with you" in page
    notice = _fresh(store, sa.select(Notice).join(Partner, Partner.id == Notice.partner_id)
                    .where(Notice.event == "access.declined", Partner.ccna == "AGX"))
    assert notice is not None and "No contract with you" in notice.body
    again = parties.carrier.post(f"/admin/agents/requests/{req.id}/approve", {})
    assert again.status_code == 409 and b"already declined" in again.data


def test_the_carrier_may_approve_fewer_privileges_but_never_more(parties, store):
    assert _ask(parties, privileges=("csr",)).status_code == 302
    req = _fresh(store, sa.select(AccessRequest))
    resp = parties.carrier.post(f"/admin/agents/requests/{req.id}/approve",
                                {"privileges": ["csr", "lsr"]})
    assert resp.status_code == 422 and b"did not ask for lsr" in resp.data
    assert _fresh(store, sa.select(AccessRequest.status)) == "open"


def test_approve_with_nothing_ticked_grants_nothing(parties, store):
    """§1.1.2: the carrier approves with the privileges asked for or fewer; none ticked is not
    "all asked" but a form error, and nothing changes."""
    assert _ask(parties).status_code == 302
    req = _fresh(store, sa.select(AccessRequest))
    resp = parties.carrier.post(f"/admin/agents/requests/{req.id}/approve", {})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Tick at least one privilege to approve" in page
    assert 'id="asked"' in page  # the review page again, its form showing the error
    assert _fresh(store, sa.select(AgentApproval)) is None
    assert _fresh(store, sa.select(AccessRequest.status)) == "open"
    assert _fresh(store, sa.select(AuditEvent).where(
        AuditEvent.action.in_(("access.approved", "agent.granted")))) is None


def test_the_service_reads_none_as_asked_and_refuses_an_empty_list(parties, app, store):
    from gateway import clock, db
    from gateway.errors import InvalidInput
    from gateway.services.identity.actors import CLI
    from gateway.services.partners import access_requests

    assert _ask(parties, privileges=("csr", "view")).status_code == 302
    with app.app_context():
        session = db.session()
        req = session.scalar(sa.select(AccessRequest))
        with pytest.raises(InvalidInput, match="Tick at least one"):
            access_requests.approve(session, req.carrier, req, [], actor=CLI, now=clock.now())
        assert req.status == "open"
        approval = access_requests.approve(session, req.carrier, req, None, actor=CLI,
                                           now=clock.now())
        assert approval.privileges == {"csr", "view"}
        session.commit()
    assert _fresh(store, sa.select(AgentApproval)).privileges == {"csr", "view"}


def test_one_open_request_per_carrier_and_only_to_active_carriers(parties, actors, store):
    assert _ask(parties).status_code == 302
    twice = _ask(parties)
    assert twice.status_code == 409 and b"already have an open request" in twice.data
    assert _ask(parties, carrier="AGX").status_code == 404  # an agent is no carrier
    assert _ask(parties, carrier="ZZZ").status_code == 404
    assert _fresh(store, sa.select(sa.func.count()).select_from(AccessRequest)) == 1


def test_a_carrier_cannot_ask_and_an_agent_cannot_see_other_carriers_requests(parties, app,
                                                                             actors, store):
    resp = parties.carrier.post("/admin/agents/ask", {
        "carrier_ccna": "AGX", "privileges": ["csr"], "reason": "x"})
    assert resp.status_code == 409
    assert _ask(parties).status_code == 302
    req = _fresh(store, sa.select(AccessRequest))
    actors.partner("SWC", "Summit West", spids=("SW01",), type="clec")
    actors.user("swcadmin", role="partner_admin", partner="SWC")
    other = Web(app.test_client())
    other.login("swcadmin")
    assert other.get(f"/admin/agents/requests/{req.id}").status_code == 404
    assert other.post(f"/admin/agents/requests/{req.id}/approve", {}).status_code == 404


def test_suspended_approval_hides_the_agents_orders_and_revoked_never_resumes(parties, cli,
                                                                             store):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX", "--privilege", "lsr",
               "--privilege", "view")[0] == 0
    order = parties.agent.post("/api/v1/lsrs", _lsr("AGXS1")).get_json()
    assert order["status"] == "foc", order["rejects"]
    assert cli("partner", "suspend", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    code, out = cli("partner", "suspend", "--carrier", "BHW", "--agent", "AGX")
    assert code != 0 and "already suspended" in out
    assert parties.agent.get(f"/api/v1/lsrs/{order['id']}").status_code == 404
    assert parties.heron.get(f"/api/v1/lsrs/{order['id']}").status_code == 200
    assert cli("partner", "resume", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    assert parties.agent.get(f"/api/v1/lsrs/{order['id']}").status_code == 200
    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    code, out = cli("partner", "resume", "--carrier", "BHW", "--agent", "AGX")
    assert code != 0 and "never resumes" in out


def test_suspend_and_resume_from_the_carriers_agents_page(parties, cli, store):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX", "--privilege",
               "csr")[0] == 0
    approval = _fresh(store, sa.select(AgentApproval))
    assert parties.carrier.post(f"/admin/agents/{approval.id}/suspend").status_code == 302
    assert _fresh(store, sa.select(AgentApproval)).state == "suspended"
    page = parties.carrier.get("/admin/agents").get_data(as_text=True)
    assert "badge suspended" in page and "Resume" in page
    assert "R104" in _codes(parties.agent.post("/api/v1/csr-requests", CSR))
    held = parties.agent_admin.get("/admin/agents").get_data(as_text=True)
    assert "suspended" in held and "refused (R104)" in held
    assert parties.carrier.post(f"/admin/agents/{approval.id}/resume").status_code == 302
    assert _fresh(store, sa.select(AgentApproval)).state == "live"
    assert parties.agent.post("/api/v1/csr-requests", CSR).get_json()["status"] == "returned"
