"""Rules the one lifecycle owner keeps for every caller: staff rejects read and act like
automatic ones (§7.2, §7.3), the desk's dates (§7.2) and the §5.3 floor, §7.5 shared by
submissions and dry runs (api-contract §4.2), notices to agents (§10.3) and to end users
(§10.2), and the LSR attestation kept as evidence (§4.2)."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from gateway.models import AuditEvent, Delivery, Lsr, LsrTn, LsrVersion, Notice, Partner, User
from gateway.services.csr import portal as portal_csr
from gateway.services.orders.submit import ATTESTATION_TEXT, ATTESTATION_VERSION
from tests.conftest import EXAMPLES, LOA, WRONG_PASSCODE, Web, set_now


def example(name, **changes):
    return dict(json.loads((EXAMPLES / name).read_text()), **changes)


def simple(**changes):
    return example("lsr-simple-port.json", **changes)


def partial(**changes):
    return example("lsr-partial-port.json", **changes)


def _error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == code, resp.get_json()
    return resp.get_json()["error"]


def _decide(desk, order_id, **body):
    return desk.post(f"/api/v1/staff/lsrs/{order_id}/decision", body)


def _notices(store, **where):
    query = sa.select(Notice).order_by(Notice.id)
    for key, value in where.items():
        query = query.where(getattr(Notice, key) == value)
    return store.scalars(query).all()


def _state(store, order_id):
    """The order as the database holds it: row, versions, index, audit, notices."""
    store.expire_all()
    order = store.get(Lsr, order_id)
    return ({c.name: getattr(order, c.key) for c in Lsr.__table__.columns},
            store.execute(sa.select(LsrVersion.ver, LsrVersion.status, LsrVersion.note)
                          .where(LsrVersion.lsr_id == order_id)).all(),
            store.scalars(sa.select(LsrTn.tn).where(LsrTn.lsr_id == order_id)).all(),
            store.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
            store.scalar(sa.select(sa.func.count()).select_from(Notice)))


def _partner_id(store, ccna):
    return store.scalar(sa.select(Partner.id).where(Partner.ccna == ccna))


# --- §7.2/§7.3: a staff reject is a reject ------------------------------------------------


def _partial_in_review(heron):
    """The partial-port example as an expedite: its BTN leaves, NAN names the new one."""
    order = heron.post("/api/v1/lsrs", partial(ddd="2026-11-24", exp="Y")).get_json()
    assert order["status"] == "manual_review" and order["review_reason"] == "expedite", order
    return order


def test_staff_reject_clears_the_foc_frees_the_tns_and_reads_like_an_automatic_reject(
        heron, desk, store):
    order = _partial_in_review(heron)
    held = store.get(Lsr, order["id"])
    assert held.foc_tns == ["5415550300"] and held.new_btn == "5415550301"
    assert held.due_date is not None
    resp = _decide(desk, order["id"], action="reject", codes=["R901", "R304"],
                   remarks="The end user called to stop it.")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "rejected" and body["foc"] is None and body["review_reason"] is None
    assert body["clocks"]["window_ends_at"] is None
    assert [r["code"] for r in body["rejects"]] == ["R901", "R304"]
    assert body["history"][-1]["status"] == "rejected"
    assert body["history"][-1]["due_date"] is None

    store.expire_all()
    row = store.get(Lsr, order["id"])
    assert (row.foc_tns, row.disconnect_tns, row.new_btn, row.window_ends_at, row.due_date,
            row.foc_issued_at) == ([], [], None, None, None, None)
    assert store.scalars(sa.select(LsrTn).where(LsrTn.lsr_id == order["id"])).all() == []
    assert row.versions[-1].note == "The end user called to stop it."

    # the TN is free: a new LSR for it is decided on its own merits, not R205
    again = heron.post("/api/v1/lsrs", partial(pon="BHWAFTERREJECT")).get_json()
    assert "R205" not in [r["code"] for r in again["rejects"]]
    assert again["status"] == "foc", again["rejects"]

    # the partner's notice has the shape of an automatic reject, plus the desk's remarks
    auto = heron.post("/api/v1/lsrs", simple(eu={"zip": "99999"})).get_json()
    assert auto["status"] == "rejected"
    [staff] = _notices(store, lsr_id=order["id"], event="lsr.rejected")
    [machine] = _notices(store, lsr_id=auto["id"], event="lsr.rejected")
    subject = re.compile(r"^Reject: PON (\S+) VER (\S+)$")
    assert subject.match(staff.subject).groups() == (order["pon"], "1")
    assert subject.match(machine.subject).groups() == (auto["pon"], "1")
    head = re.compile(r"^Your LSR PON \S+ VER \S+ \(order PG[0-9A-F]+\) was rejected:$")
    finding = re.compile(r"^  (R\d{3}) (\S+): (.+)$")
    staff_lines, machine_lines = staff.body.splitlines(), machine.body.splitlines()
    assert head.match(staff_lines[0]) and head.match(machine_lines[0])
    assert all(finding.match(line) for line in machine_lines[1:])
    assert [finding.match(line).group(1) for line in staff_lines[1:3]] == ["R901", "R304"]
    assert [finding.match(line).group(2) for line in staff_lines[1:3]] == \
        [r["field"] for r in body["rejects"]]
    assert staff_lines[3:] == ["Remarks of the LNP desk: The end user called to stop it."]
    assert staff.partner_id == machine.partner_id == _partner_id(store, "BHW")
    assert staff.data["status"] == "rejected" and staff.data["foc"] is None


def test_r901_without_remarks_is_refused_by_the_api_and_the_console_and_changes_nothing(
        heron, desk, staff_web, store):
    order = _partial_in_review(heron)
    before = _state(store, order["id"])
    for remarks in ("", "   "):
        error = _error(_decide(desk, order["id"], action="reject", codes=["R901"],
                               remarks=remarks), 400, "remarks_required")
        assert "R901" in error["message"]
    _error(_decide(desk, order["id"], action="reject", codes=["R305", "R901"]), 400,
           "remarks_required")
    _error(_decide(desk, order["id"], action="reject", codes=[]), 400, "codes_required")
    _error(_decide(desk, order["id"], action="reject"), 400, "codes_required")
    # the console's reject form (a form is answered 422 with the reason on the page)
    page = staff_web.post(f"/staff/orders/{order['id']}/reject", {"codes": ["R901"],
                                                                  "remarks": "  "})
    assert page.status_code == 422 and "R901 needs remarks" in page.get_data(as_text=True)
    page = staff_web.post(f"/staff/orders/{order['id']}/reject", {"remarks": "no code"})
    assert page.status_code == 422 and "Choose at least one" in page.get_data(as_text=True)
    assert _state(store, order["id"]) == before
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "manual_review"
    # with remarks it goes through
    assert _decide(desk, order["id"], action="reject", codes=["R901"],
                   remarks="Fraud suspected").get_json()["status"] == "rejected"


# --- §7.2: the desk's FOC date is not before the decision's local date ------------------


def test_staff_foc_date_before_the_decisions_local_date_is_invalid_due_date(
        app, heron, desk, store):
    order = heron.post("/api/v1/lsrs", simple(ddd="2026-11-23", exp="Y")).get_json()
    assert order["status"] == "manual_review"
    # Tuesday 17:30 Pacific is Wednesday 01:30 UTC: the local date is Tuesday 11-24
    set_now(app, "2026-11-24T17:30:00-08:00")
    before = _state(store, order["id"])
    error = _error(_decide(desk, order["id"], action="foc", due_date="2026-11-23"), 400,
                   "invalid_due_date")
    assert "2026-11-23" in error["message"]
    assert _state(store, order["id"]) == before
    # set_now Wednesday: Tuesday is now in the past for the desk
    set_now(app, "2026-11-25T09:00:00-08:00")
    _error(_decide(desk, order["id"], action="foc", due_date="2026-11-24"), 400,
           "invalid_due_date")
    assert _state(store, order["id"]) == before
    focd = _decide(desk, order["id"], action="foc", due_date="2026-11-25")
    assert focd.status_code == 200, focd.get_json()
    assert focd.get_json()["status"] == "foc"
    assert focd.get_json()["foc"]["due_date"] == "2026-11-25"


def test_staff_foc_on_the_local_date_is_accepted_though_utc_is_a_day_later(app, heron, desk):
    order = heron.post("/api/v1/lsrs", simple(ddd="2026-11-23", exp="Y")).get_json()
    set_now(app, "2026-11-24T17:30:00-08:00")  # Wednesday in UTC, Tuesday in Bend
    focd = _decide(desk, order["id"], action="foc", due_date="2026-11-24")
    assert focd.status_code == 200, focd.get_json()
    assert focd.get_json()["foc"]["due_date"] == "2026-11-24"


# --- §5.3: the FOC date is never before the first business day after its issue --------------


def _manual(desk, received_at, **changes):
    resp = desk.post("/api/v1/staff/manual-lsrs", {"partner_ccna": "BHW", "channel": "fax",
                                                   "received_at": received_at,
                                                   "lsr": simple(**changes)})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_fax_entered_days_later_with_a_past_ddd_gets_the_first_business_day_after_today(desk,
                                                                                       heron):
    # received Wednesday 11-18 (3 business days before Monday 11-23), DDD that Wednesday:
    # the rule gives Thursday 11-19, in the past; the FOC issued today carries Tuesday 11-24
    order = _manual(desk, "2026-11-18T10:00:00-08:00", ddd="2026-11-18")
    assert order["status"] == "foc", order["rejects"]
    assert order["received_at"] == "2026-11-18T18:00:00+00:00"
    assert order["foc"]["due_date"] == "2026-11-24"
    assert order["history"][-1]["due_date"] == "2026-11-24"


def test_the_floor_counts_from_the_local_date_of_issue(app, desk, heron):
    set_now(app, "2026-11-23T20:00:00-08:00")  # Tuesday 04:00 UTC, still Monday in Bend
    order = _manual(desk, "2026-11-18T10:00:00-08:00", ddd="2026-11-18")
    assert order["foc"]["due_date"] == "2026-11-24"


def test_the_floor_leaves_an_ordinary_date_alone(desk, heron):
    fax = _manual(desk, "2026-11-18T10:00:00-08:00", ddd="2026-11-30")
    assert fax["foc"]["due_date"] == "2026-11-30"
    api = heron.post("/api/v1/lsrs", partial(ddd="2026-12-02")).get_json()
    assert api["status"] == "foc" and api["foc"]["due_date"] == "2026-12-02", api["rejects"]


def test_a_past_ddd_on_a_fresh_lsr_gets_the_earliest_date(heron):
    # Monday's receipt plus 3 business days over Thanksgiving and the Friday after it
    earliest = heron.post("/api/v1/lsrs", partial(ddd="2026-11-20")).get_json()
    assert earliest["status"] == "foc" and earliest["foc"]["due_date"] == "2026-11-30"


# --- §7.5 shared by submissions and dry runs ---------------------------------------------


def test_ver_with_a_space_is_the_same_ver_r507_for_submit_and_dry_run(heron, store):
    first = heron.post("/api/v1/lsrs", simple()).get_json()
    assert first["status"] == "foc"
    before = _state(store, first["id"])
    other = simple(ver=" 1", ddd="2026-11-25")
    error = _error(heron.post("/api/v1/lsrs", other), 409, "duplicate_version")
    assert [r["code"] for r in error["rejects"]] == ["R507"]
    dry = heron.post("/api/v1/lsrs/validate", other)
    assert dry.status_code == 200
    assert [r["code"] for r in dry.get_json()["rejects"]][:1] == ["R507"]
    assert dry.get_json()["due_date"] is None and dry.get_json()["duplicate_of"] is None
    assert _state(store, first["id"]) == before


def test_exact_duplicate_dry_run_answers_no_rejects_and_the_order(heron, store):
    first = heron.post("/api/v1/lsrs", simple()).get_json()
    before = _state(store, first["id"])
    dry = heron.post("/api/v1/lsrs/validate", simple()).get_json()
    assert dry["rejects"] == [] and dry["duplicate_of"] == first["id"]
    assert dry["passcode_checked"] is False
    assert _state(store, first["id"]) == before


def test_dry_run_r508_and_r509_like_submit(heron):
    first = heron.post("/api/v1/lsrs", simple()).get_json()
    open_pon = simple(ver="2")
    assert [r["code"] for r in heron.post("/api/v1/lsrs/validate", open_pon)
            .get_json()["rejects"]][:1] == ["R508"]
    _error(heron.post("/api/v1/lsrs", open_pon), 409, "pon_open")
    heron.post(f"/api/v1/lsrs/{first['id']}/supplements", {"sup": "1", "ver": "2"})
    closed = simple(ver="3")
    assert [r["code"] for r in heron.post("/api/v1/lsrs/validate", closed)
            .get_json()["rejects"]][:1] == ["R509"]
    _error(heron.post("/api/v1/lsrs", closed), 409, "pon_closed")


def test_dry_run_of_an_expedite_answers_no_date_and_the_review_reason(heron, store):
    dry = heron.post("/api/v1/lsrs/validate", simple(ddd="2026-11-23", exp="Y")).get_json()
    assert dry["rejects"] == [] and dry["due_date"] is None
    assert dry["review_reason"] == "expedite" and dry["duplicate_of"] is None
    assert store.scalar(sa.select(sa.func.count()).select_from(Lsr)) == 0
    plain = heron.post("/api/v1/lsrs/validate", simple()).get_json()
    assert plain["due_date"] == "2026-11-24" and plain["review_reason"] is None


PROJECT_TNS = [f"54155510{n:02d}" for n in range(100)] + ["5415551100"]  # 101 TNs


def _load_project_account(cli, tmp_path):
    header = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
    rows = [f"777001,5415551000,BIG PROJECT LLC,100,,MAIN,ST,,,,BEND,OR,97701,{tn},working,"
            "did,N,,,N," for tn in PROJECT_TNS]
    (tmp_path / "project.csv").write_text("\n".join([header, *rows]) + "\n")
    code, out = cli("import-accounts", tmp_path / "project.csv")
    assert code == 0, out


def test_dry_run_of_a_project_answers_no_date_and_review_reason_project(heron, cli, tmp_path,
                                                                       store):
    _load_project_account(cli, tmp_path)
    body = {"ccna": "BHW", "pon": "PROJECT1", "ver": "1", "an": "777001", "cc": "B451",
            "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-12-10", "agauth": "Y",
            "init": "Sam Ortiz", "init_tel": "5419990123",
            "eu": {"name": "BIG PROJECT LLC", "sano": "100", "sasn": "MAIN", "sath": "ST",
                   "city": "BEND", "state": "OR", "zip": "97701"},
            "tns": PROJECT_TNS}
    dry = heron.post("/api/v1/lsrs/validate", body).get_json()
    assert dry["rejects"] == [], dry["rejects"]
    assert dry["port_type"] == "project" and dry["review_reason"] == "project"
    assert dry["due_date"] is None
    assert store.scalar(sa.select(sa.func.count()).select_from(Lsr)) == 0
    real = heron.post("/api/v1/lsrs", body).get_json()  # and the real one agrees
    assert real["status"] == "manual_review" and real["review_reason"] == "project"


@pytest.mark.parametrize("sup", ["1", "3", 2])
def test_dry_run_of_a_supplement_is_400(heron, sup):
    resp = heron.post("/api/v1/lsrs/validate", simple(sup=sup))
    _error(resp, 400, "bad_request")


# --- §10.3: notices to the agent that sent the order ------------------------------------


def test_agents_order_is_notified_to_carrier_and_agent_until_the_approval_is_revoked(
        heron, agent, cli, store):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    order = agent.post("/api/v1/lsrs", simple(pon="AGENT1", loa=LOA)).get_json()
    assert order["status"] == "foc", order["rejects"]
    carrier, agent_id = _partner_id(store, "BHW"), _partner_id(store, "AGX")
    focs = _notices(store, lsr_id=order["id"], event="lsr.foc")
    assert sorted(n.partner_id for n in focs) == sorted([carrier, agent_id])
    assert len({(n.subject, n.body) for n in focs}) == 1  # one notice, told to both

    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/supplements", {"sup": "1", "ver": "2"})
    assert resp.get_json()["supplement"]["status"] == "accepted"
    canceled = _notices(store, lsr_id=order["id"], event="lsr.canceled")
    assert [n.partner_id for n in canceled] == [carrier]


def test_an_agents_foc_notices_name_the_loa_the_order_keeps(heron, agent, cli, store):
    """The notices of an agent's order carry the order as it is once decided, its LOA among
    it (the answer and a later GET name it too); a rejected order keeps no LOA (§1.1.1)."""
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    order = agent.post("/api/v1/lsrs", simple(pon="AGENTLOA", loa=LOA)).get_json()
    assert order["status"] == "foc", order["rejects"]
    assert order["loa_id"] is not None
    assert agent.get(f"/api/v1/lsrs/{order['id']}").get_json()["loa_id"] == order["loa_id"]
    focs = _notices(store, lsr_id=order["id"], event="lsr.foc")
    assert len(focs) == 2 and all(n.data["loa_id"] == order["loa_id"] for n in focs)
    wrong = agent.post("/api/v1/lsrs", simple(pon="AGENTLOA2", passcode=WRONG_PASSCODE,
                                              loa=LOA)).get_json()
    assert wrong["status"] == "rejected" and wrong["loa_id"] is None
    assert all(n.data["loa_id"] is None
               for n in _notices(store, lsr_id=wrong["id"], event="lsr.rejected"))


def test_agent_without_view_is_not_notified(heron, agent, cli, store):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr")[0] == 0
    order = agent.post("/api/v1/lsrs", simple(pon="AGENT2", loa=LOA)).get_json()
    assert order["status"] == "foc", order["rejects"]
    assert [n.partner_id for n in _notices(store, lsr_id=order["id"], event="lsr.foc")] == \
        [_partner_id(store, "BHW")]


def test_carriers_own_order_is_notified_once(heron, store):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    assert [n.partner_id for n in _notices(store, lsr_id=order["id"], event="lsr.foc")] == \
        [_partner_id(store, "BHW")]


# --- §10.2: the end user's emails --------------------------------------------------------


def _emails(store, notice):
    return [d.target for d in store.scalars(sa.select(Delivery).where(
        Delivery.notice_id == notice.id, Delivery.channel == "email"))]


def test_failed_passcode_email_names_tns_carrier_due_date_and_desk_phone(heron, store,
                                                                         distinct_passcode):
    order = heron.post("/api/v1/lsrs", simple(passcode=WRONG_PASSCODE)).get_json()
    assert [r["code"] for r in order["rejects"]] == ["R306"]
    [notice] = _notices(store, event="enduser.passcode_failed")
    assert notice.partner_id is None and notice.lsr_id == order["id"]
    assert _emails(store, notice) == ["linda.n@example.net"]
    text = notice.body
    for part in ("5415550142", "Blue Heron Wireless", "2026-11-24", "503-555-0199"):
        assert part in text, (part, text)
    assert notice.data["tns"] == ["5415550142"] and notice.data["due_date"] == "2026-11-24"
    assert notice.data["requesting_carrier"] == "Blue Heron Wireless"
    assert WRONG_PASSCODE not in text and distinct_passcode not in text


@pytest.mark.parametrize("ddd", [
    "2026-11-24); routine check, no action needed, call 555-0100 (", "11/24/2026"])
def test_failed_passcode_email_writes_the_due_date_or_none_never_the_requesters_text(
        heron, store, ddd):
    """§10.2: the due date written YYYY-MM-DD; a DDD that is no date is "not given", so a
    requester cannot write its own words into the carrier's warning to its customer."""
    heron.post("/api/v1/lsrs", simple(passcode=WRONG_PASSCODE, ddd=ddd))
    [notice] = _notices(store, event="enduser.passcode_failed")
    assert "(due date not given)" in notice.body, notice.body
    assert "555-0100" not in notice.body and "11/24/2026" not in notice.body
    assert notice.data["due_date"] == "not given"


def test_failed_passcode_email_of_an_agents_lsr_names_the_carrier_as_the_accepted_one_does(
        heron, agent, cli, store):
    """An agent is no carrier (§1.1): both end-user emails name the carrier it acted for."""
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    wrong = agent.post("/api/v1/lsrs", simple(pon="AGENTPC1", passcode="0000", loa=LOA))
    assert [r["code"] for r in wrong.get_json()["rejects"]] == ["R306"]
    right = agent.post("/api/v1/lsrs", simple(pon="AGENTPC2", loa=LOA)).get_json()
    assert right["status"] == "foc", right["rejects"]
    [failed] = _notices(store, event="enduser.passcode_failed")
    [accepted] = _notices(store, event="enduser.port_notice")
    assert failed.data["requesting_carrier"] == accepted.data["requesting_carrier"] == \
        "Blue Heron Wireless"
    assert "Port Agents" not in failed.body and "Port Agents" not in accepted.body


def test_accepted_lsr_email_has_the_desk_phone(heron, store):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    assert order["status"] == "foc"
    [notice] = _notices(store, event="enduser.port_notice")
    assert _emails(store, notice) == ["linda.n@example.net"]
    for part in ("5415550142", "Blue Heron Wireless", "2026-11-24", "503-555-0199"):
        assert part in notice.body, (part, notice.body)


# --- §4.2: the LSR attestation kept as the CSR's is ---------------------------------------


def test_lsr_attestation_audit_keeps_text_version_user_and_time_like_the_csr_one(
        client, heron, store):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    assert order["status"] == "foc"
    [event] = store.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "lsr", AuditEvent.object_id == str(order["id"]))).all()
    assert event.action == "lsr.foc"
    user = store.scalar(sa.select(User).where(User.username == "heron"))
    attestation = event.details["attestation"]
    assert attestation == {"text": ATTESTATION_TEXT, "version": ATTESTATION_VERSION,
                           "user": "heron", "user_id": user.id,
                           "attested_at": "2026-11-23T18:00:00+00:00"}
    assert event.details["channel"] == "api" and event.details["agauth"] == "Y"

    # the CSR's evidence (portal) has the same keys
    Web(client).login("heron")
    resp = client.post("/portal/csr/new", data={"tn": "5415550142", "ccna": "BHW",
                                                "attestation": "y"})
    assert resp.status_code == 302
    [csr] = store.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "csr.attestation")).all()
    assert set(attestation) <= set(csr.details)
    assert csr.details["version"] == portal_csr.VERSION


def test_a_rejected_lsr_without_agauth_keeps_no_attestation(heron, store):
    order = heron.post("/api/v1/lsrs", simple(agauth="N")).get_json()
    assert order["status"] == "rejected"
    event = store.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "lsr", AuditEvent.object_id == str(order["id"])))
    assert event.action == "lsr.rejected" and "attestation" not in event.details


# --- §2.4: the open-TN index (no foreign key since migration 0005) -------------------------


def test_open_tn_index_holds_exactly_the_tns_of_open_orders_through_a_lifecycle(
        heron, desk, store):
    """Every lsr_tns row names an existing open order and one of its TNs, and every open
    order's TNs are there: through an FOC, a review, a staff FOC, a SUP 2, a SUP 1 and a
    reject."""

    def check() -> None:
        store.expire_all()
        index = set(store.execute(sa.select(LsrTn.lsr_id, LsrTn.tn)).all())
        orders = {o.id: o for o in store.scalars(sa.select(Lsr))}
        expected = {(o.id, tn) for o in orders.values()
                    if o.status in ("foc", "manual_review") for tn in o.foc_tns}
        assert index == expected
        assert {lsr_id for lsr_id, _tn in index} <= set(orders)

    focd = heron.post("/api/v1/lsrs", simple()).get_json()
    assert focd["status"] == "foc", focd
    check()
    review = _partial_in_review(heron)
    check()
    staff_foc = _decide(desk, review["id"], action="foc", due_date="2026-11-25")
    assert staff_foc.status_code == 200, staff_foc.get_json()
    check()
    moved = heron.post(f"/api/v1/lsrs/{focd['id']}/supplements",
                       {"sup": "2", "ver": "2", "ddd": "2026-12-01"})
    assert moved.status_code == 200, moved.get_json()
    check()
    canceled = heron.post(f"/api/v1/lsrs/{focd['id']}/supplements", {"sup": "1", "ver": "3"})
    assert canceled.status_code == 200, canceled.get_json()
    assert canceled.get_json()["lsr"]["status"] == "canceled", canceled.get_json()
    check()
    rejected = heron.post("/api/v1/lsrs", simple(pon="BHWREJ1", tns=["5415559999"])).get_json()
    assert rejected["status"] == "rejected"
    check()


@pytest.mark.parametrize("reqtyp", ["BB", " BB "])
def test_a_due_date_supplement_on_a_bb_order_takes_the_bb_interval_however_reqtyp_was_spaced(
        heron, reqtyp):
    """§5.2, §6.2: REQTYP read from the order as the engine read it (stripped): BB 1-50 TNs is
    5 business days, not CB's 3."""
    order = heron.post("/api/v1/lsrs", partial(pon="BBSPACED", reqtyp=reqtyp,
                                               ddd="2026-12-04")).get_json()
    assert order["status"] == "foc" and order["foc"]["due_date"] == "2026-12-04", order
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     {"sup": "2", "ver": "2", "ddd": "2026-11-30"}).get_json()["supplement"]
    assert (sup["status"], sup["due_date"]) == ("accepted", "2026-12-02"), sup


def test_the_desk_reads_a_spaced_ddd_as_the_engine_does():
    """§7.2: the DDD staff grant is the partner's, stripped (" 2026-11-23 " is that date)."""
    from datetime import date

    from gateway.services.orders.decisions import requested_date
    assert requested_date(Lsr(payload={"ddd": " 2026-11-23 "})) == date(2026, 11, 23)
    assert requested_date(Lsr(payload={"ddd": "  "})) is None


# --- §7.5: the LOA's file is part of the content ---------------------------------------------


def test_same_pon_ver_with_other_loa_content_is_r507(agent, cli, store):
    """The same PON and VER with the same LOA filename but another file is other content
    (R507), not the rejected order again; the same file again is an exact duplicate."""
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    not_a_pdf = {"filename": "loa.pdf", "content_base64": "bm90IGEgcGRm"}
    first = agent.post("/api/v1/lsrs", simple(loa=not_a_pdf))
    assert [r["code"] for r in first.get_json()["rejects"]] == ["R102"]
    assert agent.post("/api/v1/lsrs", simple(loa=not_a_pdf)).status_code == 200  # idempotent
    again = agent.post("/api/v1/lsrs", simple(loa=LOA))
    error = _error(again, 409, "duplicate_version")
    assert [r["code"] for r in error["rejects"]] == ["R507"]
    store.expire_all()
    stored = store.scalars(sa.select(LsrVersion)).all()
    assert len(stored) == 1 and stored[0].payload["loa"] == {"filename": "loa.pdf"}


def test_a_supplement_resent_with_another_loa_file_is_no_duplicate(agent, cli):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    order = agent.post("/api/v1/lsrs", simple(pon="AGENTSUP", loa=LOA)).get_json()
    assert order["status"] == "foc", order["rejects"]
    body = {"sup": "3", "ver": "2", "init_tel": "5419990124", "passcode": "7713", "loa": LOA}
    url = f"/api/v1/lsrs/{order['id']}/supplements"
    first = agent.post(url, body).get_json()
    assert first["supplement"]["status"] == "accepted", first["supplement"]
    assert agent.post(url, body).get_json() == first  # the same supplement again
    other = agent.post(url, {**body, "loa": {"filename": "loa.pdf",
                                             "content_base64": "bm90IGEgcGRm"}}).get_json()
    assert [r["code"] for r in other["supplement"]["rejects"]] == ["R505"], other


def test_a_version_hashed_before_the_loa_file_counted_is_still_a_duplicate():
    """A version kept with the old hash (the LOA's filename only) matches an identical resend."""
    from gateway.services.orders.request import LsrRequest, payload_hash
    from gateway.services.serialize import stored_payload
    body = simple(loa=LOA)
    req = LsrRequest.parse(body)
    legacy = payload_hash(stored_payload(dict(body)))
    assert req.content_hash() != legacy and req.same_content(legacy)
    assert req.same_content(req.content_hash())
    other = LsrRequest.parse(simple(loa={**LOA, "content_base64": "bm90IGEgcGRm"}))
    assert not other.same_content(req.content_hash())
    plain = LsrRequest.parse(simple())  # no LOA: the hash is the one kept before
    assert plain.content_hash() == payload_hash(stored_payload(simple()))


def test_an_lsr_kept_with_the_old_hash_is_an_exact_duplicate_when_resent(app, agent, cli,
                                                                          store):
    """An order's version hashed before the LOA's file counted (filename only): resending the
    identical LSR answers the order unchanged (200), as §7.5 says, not R507."""
    from gateway.services.orders.request import payload_hash
    from gateway.services.serialize import stored_payload
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    body = simple(pon="OLDHASH", loa=LOA)
    first = agent.post("/api/v1/lsrs", body)
    assert first.status_code == 201, first.get_json()
    version = store.scalars(sa.select(LsrVersion)).one()
    with app.app_context():  # the passcode's digest is keyed with the app's secret
        version.payload_hash = payload_hash(stored_payload(dict(body)))  # as kept before
    store.commit()
    again = agent.post("/api/v1/lsrs", body)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["id"] == first.get_json()["id"]
