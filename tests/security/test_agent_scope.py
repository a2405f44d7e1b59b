"""Agent scope (business-rules §1.1, §1.1.1): what an approved agent, its carrier and other
agents may read and change of what each sent under the carrier's CCNA.

Every scenario names who acts, on what (an order with its LOA and a CSR request with its LOA,
sent under partner A's CCNA BHW by partner A itself or by its agent AGX), and which acts must
succeed. Every case of CASES runs in every scenario: an allowed read answers 200 (201 for an
escalation) and a list holds the object; a refused one answers 404 and a list leaves the object
out, as if it did not exist; a refused supplement answers 404 `unknown_pon` with R506 and
changes nothing. 403 never answers here: every person acting holds every privilege itself.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from gateway import clock
from gateway.models import AgentApproval, Partner
from gateway.services.identity.actors import CLI
from gateway.services.partners import agent_access
from gateway.services.partners import directory as partners
from tests.security.test_isolation_matrix import list_urls
from tests.security.world import (
    A_ADMIN,
    A_USER,
    AGENT,
    AGENT2,
    STAFF,
    Filed,
    World,
    add_agent,
    build_world,
    file_under,
    grant,
    sign_in,
    simple_port,
)

READ, SUP, PON = "read", "supplement", "supplement_by_pon"
SKIP = "does not apply"


# --- the cases: one act on one object each ---------------------------------------------------
def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _status(resp, ok: bool, good: int | tuple[int, ...]) -> None:
    goods = good if isinstance(good, tuple) else (good,)
    want = goods if ok else (404,)
    assert resp.status_code in want, f"{resp.status_code}, want {want}: {_text(resp)[:200]}"


def _listed(resp, needle: str, ok: bool) -> None:
    assert resp.status_code == 200, f"{resp.status_code}: {_text(resp)[:200]}"
    shown = needle in _text(resp)
    assert shown == ok, f"{needle!r} {'missing from' if ok else 'shown in'} the list"


def _ids(resp) -> set[int]:
    assert resp.status_code == 200, f"{resp.status_code}: {_text(resp)[:200]}"
    return {item["id"] for item in resp.get_json()["items"]}


def _unknown_pon(resp) -> None:
    error = resp.get_json()["error"]
    assert error["code"] == "unknown_pon", error
    assert [r["code"] for r in error["rejects"]] == ["R506"], error


def _ver(world: World) -> str:
    n = next(world.counter)
    return "ABCDEFGHJK"[n % 10] + "0123456789"[n // 10 % 10]


def _page(world: World, who: str):
    return world.page_client(who)


# API reads
def api_get_lsr(w: World, who: str, f: Filed, ok: bool) -> None:
    resp = w.api(who).get(f"/api/v1/lsrs/{f.lsr_id}")
    _status(resp, ok, 200)
    assert not ok or resp.get_json()["id"] == f.lsr_id


def api_list_lsrs(w: World, who: str, f: Filed, ok: bool) -> None:
    assert (f.lsr_id in _ids(w.api(who).get("/api/v1/lsrs?per_page=200"))) == ok


def api_list_lsrs_by_pon(w: World, who: str, f: Filed, ok: bool) -> None:
    assert (f.lsr_id in _ids(w.api(who).get(f"/api/v1/lsrs?pon={f.pon}"))) == ok


def api_get_csr(w: World, who: str, f: Filed, ok: bool) -> None:
    resp = w.api(who).get(f"/api/v1/csr-requests/{f.req_id}")
    _status(resp, ok, 200)
    assert not ok or resp.get_json()["id"] == f.req_id


def api_list_csrs(w: World, who: str, f: Filed, ok: bool) -> None:
    assert (f.req_id in _ids(w.api(who).get("/api/v1/csr-requests?per_page=200"))) == ok


def api_order_loa(w: World, who: str, f: Filed, ok: bool) -> str | None:
    if f.loa_id is None:
        return SKIP  # the carrier's own orders carry no LOA
    _status(w.api(who).get(f"/api/v1/loas/{f.loa_id}"), ok, 200)
    return None


def api_csr_loa(w: World, who: str, f: Filed, ok: bool) -> str | None:
    if f.csr_loa_id is None:
        return SKIP
    _status(w.api(who).get(f"/api/v1/loas/{f.csr_loa_id}"), ok, 200)
    return None


def api_list_escalations(w: World, who: str, f: Filed, ok: bool) -> None:
    _status(w.api(who).get(f"/api/v1/lsrs/{f.lsr_id}/escalations"), ok, 200)


def api_escalate(w: World, who: str, f: Filed, ok: bool) -> None:
    resp = w.api(who).post(f"/api/v1/lsrs/{f.lsr_id}/escalations",
                           {"reason": "foc_overdue", "text": "Where is it?"})
    _status(resp, ok, 201)


# portal reads
def portal_order(w: World, who: str, f: Filed, ok: bool) -> None:
    _status(_page(w, who).get(f"/portal/orders/{f.lsr_id}"), ok, 200)


def portal_orders(w: World, who: str, f: Filed, ok: bool) -> None:
    _listed(_page(w, who).get("/portal/orders"), f'/portal/orders/{f.lsr_id}"', ok)


def portal_orders_by_pon(w: World, who: str, f: Filed, ok: bool) -> None:
    _listed(_page(w, who).get(f"/portal/orders?pon={f.pon}"), f'/portal/orders/{f.lsr_id}"', ok)


def portal_export(w: World, who: str, f: Filed, ok: bool) -> None:
    _listed(_page(w, who).get("/portal/orders.csv"), f.order_number, ok)


def portal_dashboard(w: World, who: str, f: Filed, ok: bool) -> None:
    _listed(_page(w, who).get("/portal/"), f'/portal/orders/{f.lsr_id}"', ok)


def portal_csr(w: World, who: str, f: Filed, ok: bool) -> None:
    _status(_page(w, who).get(f"/portal/csr/{f.req_id}"), ok, 200)


def portal_csr_json(w: World, who: str, f: Filed, ok: bool) -> None:
    _status(_page(w, who).get(f"/portal/csr/{f.req_id}.json"), ok, 200)


def portal_csr_csv(w: World, who: str, f: Filed, ok: bool) -> None:
    _status(_page(w, who).get(f"/portal/csr/{f.req_id}.csv"), ok, 200)


def portal_csrs(w: World, who: str, f: Filed, ok: bool) -> None:
    _listed(_page(w, who).get("/portal/csr"), f'/portal/csr/{f.req_id}"', ok)


def portal_lsr_from_order(w: World, who: str, f: Filed, ok: bool) -> None:
    _status(_page(w, who).get(f"/portal/lsrs/new?from={f.lsr_id}"), ok, 200)


def portal_lsr_from_csr(w: World, who: str, f: Filed, ok: bool) -> None:
    _status(_page(w, who).get(f"/portal/lsrs/new?csr={f.req_id}"), ok, 200)


def portal_escalate(w: World, who: str, f: Filed, ok: bool) -> None:
    resp = _page(w, who).post(f"/portal/orders/{f.lsr_id}/escalate",
                              data={"reason": "foc_overdue", "text": "Where is it?"})
    _status(resp, ok, 302)


# supplements (the last two cancel the order)
def api_sup_by_id(w: World, who: str, f: Filed, ok: bool) -> None:
    resp = w.api(who).post(f"/api/v1/lsrs/{f.lsr_id}/supplements",
                           {"sup": "2", "ver": _ver(w), "ddd": "2026-11-30"})
    _status(resp, ok, 200)
    if ok:
        body = resp.get_json()
        assert body["lsr"]["id"] == f.lsr_id and body["supplement"]["status"] == "accepted", body
    else:
        _unknown_pon(resp)


def api_sup_by_pon(w: World, who: str, f: Filed, ok: bool) -> None:
    resp = w.api(who).post("/api/v1/lsrs", {"pon": f.pon, "ccna": "BHW", "sup": "2",
                                            "ver": _ver(w), "ddd": "2026-12-01"})
    _status(resp, ok, 200)
    if ok:
        body = resp.get_json()
        assert body["lsr"]["id"] == f.lsr_id and body["supplement"]["status"] == "accepted", body
    else:
        _unknown_pon(resp)


def portal_correct(w: World, who: str, f: Filed, ok: bool) -> None:
    _status(_page(w, who).get(f"/portal/orders/{f.lsr_id}/correct"), ok, 200)


def portal_due_date(w: World, who: str, f: Filed, ok: bool) -> None:
    resp = _page(w, who).post(f"/portal/orders/{f.lsr_id}/due-date",
                              data={"ver": _ver(w), "ddd": "2026-12-02"})
    _status(resp, ok, 302)


def portal_cancel(w: World, who: str, f: Filed, ok: bool) -> None:
    resp = _page(w, who).post(f"/portal/orders/{f.lsr_id}/cancel",
                              data={"ver": _ver(w), "confirm": "y"})
    _status(resp, ok, 302)
    assert not ok or staff_view(w, f)["status"] == "canceled"


def api_cancel_by_id(w: World, who: str, f: Filed, ok: bool) -> None:
    """SUP 1 by id (after portal_cancel: on an order already canceled, still addressed)."""
    resp = w.api(who).post(f"/api/v1/lsrs/{f.lsr_id}/supplements", {"sup": "1", "ver": _ver(w)})
    _status(resp, ok, 200)
    if ok:
        assert resp.get_json()["lsr"]["status"] == "canceled", resp.get_json()
    else:
        _unknown_pon(resp)


@dataclass(frozen=True)
class Case:
    act: str  # READ, SUP or PON: which of the scenario's answers applies
    run: Callable[[World, str, Filed, bool], str | None]  # SKIP: not counted


CASES = [Case(READ, fn) for fn in (
    api_get_lsr, api_list_lsrs, api_list_lsrs_by_pon, api_get_csr, api_list_csrs, api_order_loa,
    api_csr_loa, api_list_escalations, api_escalate, portal_order, portal_orders,
    portal_orders_by_pon, portal_export, portal_dashboard, portal_csr, portal_csr_json,
    portal_csr_csv, portal_csrs, portal_lsr_from_order, portal_lsr_from_csr, portal_escalate)] + [
    Case(SUP, api_sup_by_id), Case(PON, api_sup_by_pon), Case(SUP, portal_correct),
    Case(SUP, portal_due_date), Case(SUP, portal_cancel), Case(SUP, api_cancel_by_id)]


def staff_view(world: World, f: Filed) -> dict:
    body = world.api(STAFF).get(f"/api/v1/lsrs/{f.lsr_id}").get_json()
    escalations = world.api(STAFF).get(f"/api/v1/lsrs/{f.lsr_id}/escalations")
    assert escalations.status_code == 200, escalations.get_json()
    return {"status": body["status"], "ver": body["ver"], "foc": body["foc"],
            "history": body["history"], "escalations": len(escalations.get_json()["items"])}


# --- the scenarios ----------------------------------------------------------------------------
def _revoke_by_cli(world: World) -> None:
    code, out = world.cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")
    assert code == 0, out


def _revoke_on_the_admin_page(world: World) -> None:
    with world.app.app_context():
        with world.session() as session:
            approval = session.scalar(sa.select(AgentApproval.id).join(
                Partner, Partner.id == AgentApproval.agent_id).where(
                Partner.ccna == "AGX", AgentApproval.revoked_at.is_(None)))
    resp = world.page_client(A_ADMIN).post(f"/admin/agents/{approval}/revoke")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]


def _revoke_by_the_service(world: World) -> None:
    with world.app.app_context():
        with world.session() as session, session.begin():
            carrier = partners.partner_by_ccna(session, "BHW")
            approval = session.scalar(sa.select(AgentApproval).join(
                Partner, Partner.id == AgentApproval.agent_id).where(
                Partner.ccna == "AGX", AgentApproval.revoked_at.is_(None)))
            agent_access.revoke(session, carrier, approval, actor=CLI, now=clock.now())


def _suspend_the_carrier(world: World) -> None:
    with world.app.app_context():
        with world.session() as session, session.begin():
            partners.set_partner_status(session, partners.partner_by_ccna(session, "BHW"),
                                        "suspended", actor=CLI, now=clock.now())


@dataclass(frozen=True)
class Scenario:
    who: str  # who acts
    filer: str  # who sent the objects under BHW
    answers: dict[str, bool]  # READ, SUP, PON -> allowed
    then: Callable[[World], None] | None = None  # what changes after the filing
    new_lsr: bool | None = None  # a new LSR under BHW by `who` is accepted (else R104)
    new_csr: bool | None = None  # likewise a new CSR request


def _answers(read: bool, sup: bool, pon: bool | None = None) -> dict[str, bool]:
    return {READ: read, SUP: sup, PON: sup if pon is None else pon}


NOTHING = _answers(False, False)
SCENARIOS = {
    # an agent with a live approval (csr, lsr, view) on what it sent itself
    "agent_own_live": Scenario(AGENT, AGENT, _answers(True, True), new_lsr=True, new_csr=True),
    # the same agent on the carrier's own order and CSR request: none of it exists
    "agent_on_carriers_own": Scenario(AGENT, A_USER, NOTHING),
    # the carrier on its agent's: reads; supplements and cancels by id; by PON it names only
    # its own orders, and it has none with the agent's PON
    "carrier_on_agents": Scenario(A_USER, AGENT, _answers(True, True, pon=False)),
    # another agent of the same carrier
    "other_agent": Scenario(AGENT2, AGENT, NOTHING),
    # a narrower approval: no view (reads gone; supplements and cancels stay, as `lsr` alone
    # governs them: policy.AGENT_PRIVILEGE), or no lsr (supplements gone, new LSRs R104)
    "approval_without_view": Scenario(AGENT, AGENT, _answers(False, True),
                                      then=lambda w: grant(w, "AGX", {"csr", "lsr"}),
                                      new_lsr=True, new_csr=True),
    "approval_without_lsr": Scenario(AGENT, AGENT, _answers(True, False),
                                     then=lambda w: grant(w, "AGX", {"csr", "view"}),
                                     new_lsr=False, new_csr=True),
    "approval_without_csr": Scenario(AGENT, AGENT, _answers(True, True),
                                     then=lambda w: grant(w, "AGX", {"lsr", "view"}),
                                     new_lsr=True, new_csr=False),
    # revoked, three ways: at once, every earlier submission is gone, new requests R104
    "revoked_by_cli": Scenario(AGENT, AGENT, NOTHING, then=_revoke_by_cli,
                               new_lsr=False, new_csr=False),
    "revoked_on_admin_page": Scenario(AGENT, AGENT, NOTHING, then=_revoke_on_the_admin_page,
                                      new_lsr=False, new_csr=False),
    "revoked_by_service": Scenario(AGENT, AGENT, NOTHING, then=_revoke_by_the_service,
                                   new_lsr=False, new_csr=False),
    # the carrier suspended: its agent's approval no longer counts
    "carrier_suspended": Scenario(AGENT, AGENT, NOTHING, then=_suspend_the_carrier,
                                  new_lsr=False, new_csr=False),
}


@pytest.fixture
def world(app, client, cli, tmp_path):
    world = build_world(app, client, cli, tmp_path)
    sign_in(world, AGENT, "agent")
    add_agent(world, AGENT2, "AGY", "agent2")
    return world


def _new_requests(world: World, sc: Scenario) -> int:
    """A new LSR and CSR request under the carrier's CCNA: accepted as the approval covers
    them, else recorded and rejected R104 (201 either way)."""
    cases = 0
    api = world.api(sc.who)
    if sc.new_lsr is not None:
        resp = api.post("/api/v1/lsrs", simple_port(world.fresh_tn(), world.pon(), ccna="BHW",
                                                    loa={"filename": "l.pdf",
                                                         "content_base64": "JVBERi0xLjQK"}))
        body = resp.get_json()
        assert resp.status_code == 201, body
        codes = [r["code"] for r in body["rejects"]]
        assert (body["status"] == "foc", "R104" in codes) == (sc.new_lsr, not sc.new_lsr), body
        cases += 1
    if sc.new_csr is not None:
        resp = api.post("/api/v1/csr-requests", {"tn": world.fresh_tn(), "agauth": "Y",
                                                 "ccna": "BHW", "loa": {
                                                     "filename": "l.pdf",
                                                     "content_base64": "JVBERi0xLjQK"}})
        body = resp.get_json()
        assert resp.status_code == 201, body
        codes = [r["code"] for r in body["rejects"]]
        assert (body["status"] == "returned", "R104" in codes) == \
            (sc.new_csr, not sc.new_csr), body
        cases += 1
    return cases


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_agent_scope(world, name, capsys):
    """Every case of CASES in the scenario gets exactly the scenario's answer; what an actor
    may not change stays as it was."""
    sc = SCENARIOS[name]
    filed = file_under(world, sc.filer)
    if sc.then:
        sc.then(world)
    before = staff_view(world, filed)
    cases, wrong = 0, []
    for case in CASES:
        ok = sc.answers[case.act]
        try:
            if case.run(world, sc.who, filed, ok) == SKIP:
                continue
        except AssertionError as err:  # every mismatch reported at once
            wrong.append(f"{case.run.__name__} ({'allowed' if ok else 'refused'}): "
                         f"{str(err).splitlines()[0][:240]}")
        cases += 1
    assert not wrong, f"{name}: {len(wrong)} of {cases} cases wrong:\n" + "\n".join(wrong)
    after = staff_view(world, filed)
    if not sc.answers[SUP] and not sc.answers[PON]:
        assert after["history"] == before["history"] and after["foc"] == before["foc"], \
            "a refused supplement changed the order"
    if not sc.answers[READ]:
        assert after["escalations"] == before["escalations"], "a refused escalation counted"
    cases += 1 + _new_requests(world, sc)
    if name.startswith("revoked"):  # the carrier keeps what its agent sent for it
        assert world.api(A_USER).get(f"/api/v1/lsrs/{filed.lsr_id}").status_code == 200
        assert world.api(A_USER).get(f"/api/v1/loas/{filed.loa_id}").status_code == 200
        cases += 2
    with capsys.disabled():
        print(f"\nagent scope {name}: {cases} cases")


# --- one PON, two orders (§7.5, §1.1.1) -------------------------------------------------------
def _sup_by_pon(world: World, who: str, pon: str, sup: str = "2", **extra):
    body = {"pon": pon, "ccna": "BHW", "sup": sup, "ver": _ver(world), **extra}
    if sup == "2":
        body.setdefault("ddd", "2026-11-30")
    return world.api(who).post("/api/v1/lsrs", body)


def test_one_pon_names_the_carriers_order_and_its_agents_apart(world, capsys):
    """The carrier and its agent each send PON TWIN1 under BHW: two orders; a supplement by
    PON touches only the sender's own; the carrier lists both, the agent its own, another
    agent none."""
    carrier = file_under(world, A_USER, pon="TWIN1")
    agent = file_under(world, AGENT, pon="TWIN1")
    assert carrier.lsr_id != agent.lsr_id and carrier.order_number != agent.order_number
    cases = 1
    seen = {who: _ids(world.api(who).get("/api/v1/lsrs?pon=TWIN1"))
            for who in (A_USER, AGENT, AGENT2)}
    assert seen == {A_USER: {carrier.lsr_id, agent.lsr_id}, AGENT: {agent.lsr_id},
                    AGENT2: set()}, seen
    cases += 3
    # each one's SUP 2 by PON moves its own order and leaves the other's as it was
    for who, mine, other in ((AGENT, agent, carrier), (A_USER, carrier, agent)):
        untouched = staff_view(world, other)
        resp = _sup_by_pon(world, who, "TWIN1")
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["lsr"]["id"] == mine.lsr_id and body["supplement"]["status"] == "accepted"
        assert staff_view(world, other) == untouched, f"{who}'s SUP by PON touched the other"
        cases += 2
    # the PON is not the agent's under its own CCNA, nor another agent's under BHW
    no_ccna = world.api(AGENT).post("/api/v1/lsrs", {"pon": "TWIN1", "sup": "1",
                                                     "ver": _ver(world)})
    assert no_ccna.status_code == 404, no_ccna.get_json()
    _unknown_pon(no_ccna)
    stranger = _sup_by_pon(world, AGENT2, "TWIN1", sup="1")
    assert stranger.status_code == 404, stranger.get_json()
    _unknown_pon(stranger)
    cases += 2
    # the carrier cancels its TWIN1 by PON: the agent's TWIN1 stays open, and is the agent's
    # to cancel
    canceled = _sup_by_pon(world, A_USER, "TWIN1", sup="1")
    assert canceled.get_json()["lsr"]["id"] == carrier.lsr_id
    assert staff_view(world, carrier)["status"] == "canceled"
    assert staff_view(world, agent)["status"] == "foc"
    again = _sup_by_pon(world, AGENT, "TWIN1", sup="1")
    assert again.get_json()["lsr"]["id"] == agent.lsr_id
    assert staff_view(world, agent)["status"] == "canceled"
    cases += 2
    with capsys.disabled():
        print(f"\nagent scope one PON, two orders: {cases} cases")


def _carrier_markers(world: World) -> set[str]:
    """Text only the carrier's own data (not its agent's) contains."""
    own = world.api(STAFF).get(f"/api/v1/lsrs/{world.ids['lsr_id']}").get_json()
    return {"APRIVATE1", own["order_number"], "APRIVATE escalation", "Alice Aprivate",
            "alice.aprivate@heron.example"}


def test_agent_lists_show_nothing_of_the_carriers_own(app, world, capsys):
    """Every list (page or API) as the carrier's agent holds none of the carrier's own
    orders, people or escalations; as another agent of the carrier, not even the first
    agent's orders."""
    cases = 0
    hidden = {AGENT: _carrier_markers(world), AGENT2: set(world.markers)}
    assert "APRIVATE2" in hidden[AGENT2]  # the world's order sent by AGX for BHW
    for url in list_urls(app):
        for who, markers in hidden.items():
            resp = (world.api(who).get(url) if url.startswith("/api/")
                    else world.page_client(who).get(url))
            assert resp.status_code < 500, url
            shown = sorted(m for m in markers if m in resp.get_data(as_text=True))
            assert not shown, f"GET {url} as {who} shows {shown}"
            cases += 1
    mine = world.api(AGENT).get("/api/v1/lsrs?pon=APRIVATE2").get_json()
    assert [o["id"] for o in mine["items"]] == [world.ids["agent_lsr_id"]]
    assert world.api(AGENT).get("/api/v1/lsrs?pon=APRIVATE1").get_json()["total"] == 0
    with capsys.disabled():
        print(f"\nagent list cases: {cases}")
