"""The whole port-out story through the JSON API, on SQLite and PostgreSQL."""
import json

import pytest
import sqlalchemy as sa

from gateway.models import Account, AuditEvent, Notice, PasscodeFailure, Tn
from tests.conftest import EXAMPLES, set_now


def example(name):
    return json.loads((EXAMPLES / name).read_text())


def test_partner_runs_a_port_from_csr_to_completion(app, heron, db_session):
    """Issue 4 "Done when": every step through the API only, each one asserted."""
    # 1. The CSR, answered at once (§3): the partner learns what the LSR must match.
    csr = heron.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"})
    assert csr.status_code == 201 and csr.get_json()["status"] == "returned"
    record = csr.get_json()["csr"]
    assert (record["account_number"], record["btn"], record["service_address"]["zip"]) == \
        ("884201", "5415550142", "97703")
    assert record["simple_port_eligible"] is True and record["passcode_required"] is True

    # 2. An LSR that is rejected (R101), recorded as version 1 of a new order.
    bad = dict(example("lsr-simple-port.json"), agauth="N")
    rejected = heron.post("/api/v1/lsrs", bad)
    assert rejected.status_code == 201
    body = rejected.get_json()
    assert body["status"] == "rejected" and [r["code"] for r in body["rejects"]] == ["R101"]
    assert body["foc"] is None and body["received_at"] == "2026-11-23T18:00:00+00:00"

    # 3. Corrected with a new VER an hour later: the same order, a new receipt, an FOC.
    set_now(app, "2026-11-23T11:00:00-08:00")
    fixed = dict(example("lsr-simple-port.json"), ver="2")
    focd = heron.post("/api/v1/lsrs", fixed)
    assert focd.status_code == 201
    order = focd.get_json()
    assert order["id"] == body["id"] and order["status"] == "foc" and order["rejects"] == []
    assert order["received_at"] == order["effective_received_at"] == "2026-11-23T19:00:00+00:00"
    assert order["port_type"] == "simple" and order["foc"]["due_date"] == "2026-11-24"
    assert order["foc"]["tns"] == ["5415550142"]
    assert [(h["ver"], h["status"]) for h in order["history"]] == [("1", "rejected"),
                                                                   ("2", "foc")]

    # 4. A due-date supplement (SUP 2): the FOC is re-issued for Monday 11-30.
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     {"sup": "2", "ver": "3", "ddd": "2026-11-30"})
    assert sup.status_code == 200, sup.get_json()
    assert sup.get_json()["supplement"] == {"sup": "2", "ver": "3", "status": "accepted",
                                            "rejects": [], "due_date": "2026-11-30"}
    assert sup.get_json()["lsr"]["foc"]["due_date"] == "2026-11-30"
    assert sup.get_json()["lsr"]["history"][-1] == {
        "ver": "3", "sup": "2", "status": "foc", "at": "2026-11-23T19:00:00+00:00",
        "rejects": [], "due_date": "2026-11-30"}

    # 5. On the due date the new provider creates its SV (concurred at once: the FOC covers
    #    the TN for B451) and activates it.
    set_now(app, "2026-11-30T09:00:00-08:00")
    sv = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                   "lrn": "5419990000", "due_date": "2026-11-30"})
    assert sv.status_code == 201
    assert sv.get_json()["status"] == "pending" and sv.get_json()["concurred"] is True
    assert sv.get_json()["old_spid"] == "CT01" and sv.get_json()["conflict_cause"] is None
    active = heron.post(f"/api/v1/npac/subscriptions/{sv.get_json()['id']}/activate")
    assert active.status_code == 200 and active.get_json()["status"] == "active"

    # 6. The order is completed; NPAC now shows the new provider; the account is closed.
    done = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert done["status"] == "completed" and done["foc"]["due_date"] == "2026-11-30"
    assert heron.get("/api/v1/lsrs?status=completed").get_json()["total"] == 1
    assert heron.get("/api/v1/npac/tns/5415550142").get_json()["spid"] == "B451"
    db_session.expire_all()
    assert db_session.get(Tn, "5415550142").status == "ported_out"
    assert db_session.get(Account, "884201").closed_at is not None
    events = set(db_session.scalars(sa.select(Notice.event)))
    assert {"csr.returned", "lsr.rejected", "lsr.foc", "lsr.completed",
            "enduser.port_notice"} <= events
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "csr.disclosed")) == 1


def test_partial_port_example_gets_an_foc_after_thanksgiving(heron):
    resp = heron.post("/api/v1/lsrs", example("lsr-partial-port.json"))
    body = resp.get_json()
    assert resp.status_code == 201 and body["status"] == "foc", body["rejects"]
    assert body["port_type"] == "non_simple"
    assert body["foc"]["due_date"] == "2026-12-01"
    assert body["foc"]["new_btn"] == "5415550301"


def test_exact_duplicate_returns_the_order_unchanged(heron):
    first = heron.post("/api/v1/lsrs", example("lsr-simple-port.json"))
    again = heron.post("/api/v1/lsrs", example("lsr-simple-port.json"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()


def test_same_pon_and_ver_with_other_content_is_refused_r507(heron):
    heron.post("/api/v1/lsrs", example("lsr-simple-port.json"))
    resp = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), ddd="2026-11-25"))
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "duplicate_version" and error["rejects"][0]["code"] == "R507"


def test_new_lsr_on_open_pon_is_refused_r508_and_records_nothing(heron):
    first = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    resp = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), ver="2"))
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "pon_open"
    assert len(heron.get(f"/api/v1/lsrs/{first['id']}").get_json()["history"]) == 1


def test_cancel_supplement_closes_the_order_and_new_lsr_on_its_pon_is_r509(heron):
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    resp = heron.post("/api/v1/lsrs", {"pon": order["pon"], "sup": "1", "ver": "2"})
    assert resp.status_code == 200
    assert resp.get_json()["lsr"]["status"] == "canceled"
    again = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), ver="3"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "pon_closed"


def test_supplement_for_unknown_pon_is_404_r506(heron):
    resp = heron.post("/api/v1/lsrs", {"pon": "NOSUCHPON", "sup": "1", "ver": "2"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["rejects"][0]["code"] == "R506"


def test_supplement_with_another_pon_is_409_pon_mismatch(heron):
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                      {"pon": "OTHER", "sup": "1", "ver": "2"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "pon_mismatch"


def test_rejected_supplement_leaves_the_foc_and_shows_in_history(heron):
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                      {"sup": "2", "ver": "1", "ddd": "2026-11-30"})
    body = resp.get_json()
    assert resp.status_code == 200 and body["supplement"]["status"] == "rejected"
    assert body["supplement"]["rejects"][0]["code"] == "R505"
    assert body["lsr"]["status"] == "foc" and body["lsr"]["foc"]["due_date"] == "2026-11-24"


def test_validate_dry_run_records_nothing(heron, db_session):
    resp = heron.post("/api/v1/lsrs/validate", example("lsr-simple-port.json"))
    assert resp.status_code == 200
    assert resp.get_json() == {"port_type": "simple", "rejects": [], "due_date": "2026-11-24",
                               "review_reason": None, "passcode_checked": False,
                               "duplicate_of": None}
    assert heron.get("/api/v1/lsrs").get_json()["total"] == 0


def test_validate_is_no_passcode_oracle(heron, db_session):
    """§4.5 rev. 2: a wrong and a right passcode answer alike in a dry run; none counts."""
    right = heron.post("/api/v1/lsrs/validate", example("lsr-simple-port.json")).get_json()
    for guess in ("0000", "1234", "9999", "7712", "x" * 40, 7713):
        wrong = heron.post("/api/v1/lsrs/validate",
                           dict(example("lsr-simple-port.json"), passcode=guess)).get_json()
        assert wrong == right
        assert wrong["rejects"] == [] and wrong["passcode_checked"] is False
    assert db_session.get(Account, "884201").locked_until is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PasscodeFailure)) == 0


def test_validate_reports_a_missing_passcode_and_a_lock(heron, db_session):
    missing = {k: v for k, v in example("lsr-simple-port.json").items() if k != "passcode"}
    resp = heron.post("/api/v1/lsrs/validate", missing).get_json()
    assert [r["code"] for r in resp["rejects"]] == ["R306"] and resp["due_date"] is None
    for n in range(5):
        heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), pon=f"PC{n}",
                                        passcode="0000"))
    locked = heron.post("/api/v1/lsrs/validate", example("lsr-simple-port.json")).get_json()
    assert [r["code"] for r in locked["rejects"]] == ["R308"]


def test_five_wrong_passcodes_lock_the_account_r308_and_staff_unlock(heron, desk):
    for n in range(5):
        heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), pon=f"PC{n}",
                                        passcode="0000"))
    locked = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), pon="PCOK"))
    assert "R308" in [r["code"] for r in locked.get_json()["rejects"]]
    resp = desk.post("/api/v1/staff/accounts/884201/unlock")
    assert resp.status_code == 200 and resp.get_json() == {"account_number": "884201",
                                                          "locked": False}
    ok = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), pon="PCOK2"))
    assert ok.get_json()["status"] == "foc"


def test_expedite_goes_to_staff_who_grant_it(heron, desk):
    lsr = dict(example("lsr-simple-port.json"), ddd="2026-11-23", exp="Y")
    order = heron.post("/api/v1/lsrs", lsr).get_json()
    assert order["status"] == "manual_review" and order["review_reason"] == "expedite"
    queue = desk.get("/api/v1/staff/queue").get_json()["items"]
    assert queue[0]["kind"] == "lsr" and queue[0]["id"] == order["id"]
    resp = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": "2026-11-23"})
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "foc"
    assert resp.get_json()["foc"]["due_date"] == "2026-11-23"


def test_staff_foc_on_a_holiday_is_refused_invalid_due_date(heron, desk):
    order = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), ddd="2026-11-23",
                                            exp="Y")).get_json()
    resp = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": "2026-11-26"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_due_date"
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "manual_review"


def test_staff_reject_with_codes_and_remarks(heron, desk):
    order = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), ddd="2026-11-23",
                                            exp="Y")).get_json()
    resp = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "reject", "codes": ["R901"], "remarks": "Suspected fraud"})
    body = resp.get_json()
    assert body["status"] == "rejected" and body["rejects"][0]["code"] == "R901"
    assert "Suspected fraud" in body["rejects"][0]["message"] and body["foc"] is None


def test_a_staff_decision_after_a_rejected_supplement_is_written_on_the_version_in_review(
        heron, desk):
    """§6.5 and §7.3: a supplement rejected while the order awaits staff keeps its reject; the
    desk's FOC (or reject) answers the version that sent the order to review."""
    order = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), ddd="2026-11-23",
                                            exp="Y")).get_json()
    assert order["status"] == "manual_review"
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     {"sup": "2", "ver": "2", "ddd": "2027-03-01"}).get_json()
    assert sup["supplement"]["status"] == "rejected"  # beyond 30 days: R501
    done = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": "2026-11-24"}).get_json()
    assert done["status"] == "foc"
    history = {h["ver"]: h for h in done["history"]}
    assert history["2"]["status"] == "rejected"
    assert [r["code"] for r in history["2"]["rejects"]] == ["R501"]
    assert history["2"]["due_date"] is None
    assert history["1"]["status"] == "foc" and history["1"]["due_date"] == "2026-11-24"
    assert history["1"]["rejects"] == []


def test_a_staff_reject_after_a_rejected_supplement_leaves_the_supplements_rejects(heron, desk):
    order = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), ddd="2026-11-23",
                                            exp="Y")).get_json()
    heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
               {"sup": "2", "ver": "2", "ddd": "2027-03-01"})
    done = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "reject", "codes": ["R901"], "remarks": "Call us"}).get_json()
    history = {h["ver"]: h for h in done["history"]}
    assert [r["code"] for r in history["2"]["rejects"]] == ["R501"]
    assert [r["code"] for r in history["1"]["rejects"]] == ["R901"]
    assert history["1"]["status"] == "rejected"


def test_a_staff_foc_after_an_accepted_due_date_supplement_answers_both_versions(
        heron, desk):
    """A SUP 2 accepted while the order awaits staff waits with it: the desk's FOC is the
    outcome of both, so no version is left awaiting the desk."""
    order = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), ddd="2026-11-23",
                                            exp="Y")).get_json()
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     {"sup": "2", "ver": "2", "ddd": "2026-11-30"}).get_json()
    assert sup["supplement"]["status"] == "accepted", sup
    done = desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": "2026-11-30"}).get_json()
    history = {h["ver"]: h for h in done["history"]}
    assert history["2"]["status"] == "foc" and history["2"]["due_date"] == "2026-11-30"
    assert history["1"]["status"] == "foc" and history["1"]["due_date"] == "2026-11-30"


def test_sv_without_foc_goes_to_conflict_cause_50(heron):
    resp = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                     "lrn": "5419990000",
                                                     "due_date": "2026-11-24"})
    body = resp.get_json()
    assert resp.status_code == 201
    assert body["status"] == "conflict" and body["conflict_cause"] == 50
    assert heron.post(f"/api/v1/npac/subscriptions/{body['id']}/activate").status_code == 409


def test_activation_before_the_due_date_is_not_activatable(heron):
    heron.post("/api/v1/lsrs", example("lsr-simple-port.json"))
    sv = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                   "lrn": "5419990000",
                                                   "due_date": "2026-11-24"}).get_json()
    resp = heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_activatable"


def test_sv_for_another_providers_spid_is_403(heron):
    resp = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "SW01",
                                                     "lrn": "5419990000",
                                                     "due_date": "2026-11-24"})
    assert resp.status_code == 403


def test_npac_lookup_shows_precedence_and_404_for_unknown_code(heron):
    assert heron.get("/api/v1/npac/tns/5415550199").get_json()["source"] == "sv"
    assert heron.get("/api/v1/npac/tns/5415557020").get_json()["source"] == "block"
    assert heron.get("/api/v1/npac/tns/5415550142").get_json() == {
        "tn": "5415550142", "spid": "CT01", "spid_name": "Cascade Telecom",
        "lrn": "5415550000", "source": "code"}
    assert heron.get("/api/v1/npac/tns/2125550100").status_code == 404


def test_sweep_expires_an_foc_whose_window_closed(app, heron, cli):
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    set_now(app, "2026-12-02T23:59:00-08:00")  # due 11-24 (Tue); 4th business day after: 12-02
    code, out = cli("sweep")
    assert code == 0 and "expired: 0" in out
    set_now(app, "2026-12-03T00:00:01-08:00")
    code, out = cli("sweep")
    assert code == 0 and "expired: 1" in out
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "expired"


def test_manual_state_request_is_r701_but_staff_may_enter_it(heron, desk, cli, tmp_path):
    lsr = _montana(cli, tmp_path)
    resp = heron.post("/api/v1/lsrs", lsr).get_json()
    r701 = [r for r in resp["rejects"] if r["code"] == "R701"]
    assert r701 and "Montana Desk" in r701[0]["message"]
    manual = _entered(desk, dict(lsr, pon="MT2"))
    assert manual.status_code == 201 and manual.get_json()["status"] == "foc"


def _montana(cli, tmp_path):
    """A Montana account (a manual-only state) with its NPA-NXX and level-1 contact; its LSR."""
    rows = (EXAMPLES / "accounts.csv").read_text().splitlines()
    (tmp_path / "mt.csv").write_text(
        rows[0] + "\n" + "900001,4065550100,BIG SKY RANCH,12,,MAIN,ST,,,,BOZEMAN,MT,59715,"
        "4065550100,working,pots,N,,,N,\n")
    (tmp_path / "codes.csv").write_text("npa_nxx,spid,lrn\n406555,CT02,4065550000\n")
    (tmp_path / "esc.csv").write_text("state,level,name,title,email,phone,hours\n"
                                      "MT,1,Montana Desk,Manual desk,mt@cascade.example,"
                                      "4065550900,Mon-Fri 08:00-17:00 Mountain\n")
    assert cli("import-accounts", tmp_path / "mt.csv")[0] == 0
    assert cli("npac", "import-codes", tmp_path / "codes.csv")[0] == 0
    assert cli("escalation", "import", tmp_path / "esc.csv")[0] == 0
    return dict(example("lsr-simple-port.json"), an="900001", pon="MT1", passcode="",
                eu={"zip": "59715"}, tns=["4065550100"], ddd="2026-11-25")


def _entered(desk, lsr, received_at="2026-11-23T09:00:00-07:00"):
    return desk.post("/api/v1/staff/manual-lsrs", {
        "partner_ccna": "BHW", "channel": "fax", "received_at": received_at, "lsr": lsr})


@pytest.mark.parametrize("sup", [{"sup": "1"}, {"sup": "2", "ddd": "2026-11-30"},
                                 {"sup": "3", "remarks": "Call first"}])
def test_a_manual_states_order_is_supplemented_by_the_desk_not_by_the_api(
        heron, desk, cli, tmp_path, sup):
    """§8.1: portal and API requests for a manual-only state are R701, supplements too (SUP 1
    and 2 were accepted over the API while SUP 3 was R701); the desk enters a faxed one."""
    lsr = _montana(cli, tmp_path)
    order = _entered(desk, lsr).get_json()
    assert order["status"] == "foc"
    api = heron.post(f"/api/v1/lsrs/{order['id']}/supplements", {**sup, "ver": "2"}).get_json()
    assert api["supplement"]["status"] == "rejected"
    assert "R701" in [r["code"] for r in api["supplement"]["rejects"]]
    assert "Montana Desk" in next(r["message"] for r in api["supplement"]["rejects"]
                                  if r["code"] == "R701")
    assert api["lsr"]["status"] == "foc" and api["lsr"]["foc"] == order["foc"]
    faxed = _entered(desk, {"pon": "MT1", "ccna": "BHW", "ver": "3", **sup})
    assert faxed.status_code == 200, faxed.get_json()
    body = faxed.get_json()
    assert body["supplement"]["status"] == "accepted", body["supplement"]
    expected = {"1": "canceled", "2": "foc", "3": "foc"}[sup["sup"]]
    assert body["lsr"]["status"] == expected and body["lsr"]["id"] == order["id"]


def test_a_faxed_correction_takes_the_time_it_was_received(heron, desk, cli, tmp_path):
    """A SUP 3 is checked afresh as of its receipt (§6.3): a faxed one as of the fax's time."""
    lsr = _montana(cli, tmp_path)
    _entered(desk, lsr)
    faxed = _entered(desk, {"pon": "MT1", "ccna": "BHW", "ver": "2", "sup": "3",
                            "remarks": "Call first"},
                     received_at="2026-11-23T09:30:00-07:00").get_json()
    assert faxed["supplement"]["status"] == "accepted", faxed["supplement"]
    assert faxed["lsr"]["received_at"] == "2026-11-23T16:30:00+00:00"


def test_a_faxed_supplement_for_an_unknown_pon_is_404(desk, heron, cli, tmp_path):
    _montana(cli, tmp_path)
    resp = _entered(desk, {"pon": "NOPE", "ccna": "BHW", "ver": "2", "sup": "1"})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "unknown_pon"


def test_a_tn_with_a_trailing_newline_is_r602_and_no_further(heron):
    """§4.1: a TN that fails its format is R602 and not checked further (not R204)."""
    resp = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), tns=["5415550142\n"]))
    assert resp.status_code == 201
    assert [r["code"] for r in resp.get_json()["rejects"]] == ["R602"]


def test_a_blank_pon_on_a_supplement_by_id_counts_as_absent(heron):
    """§4.1: a blank string counts as absent; the order's own PON stands (not pon_mismatch)."""
    order = heron.post("/api/v1/lsrs", example("lsr-simple-port.json")).get_json()
    for ver, pon in (("2", ""), ("3", "  ")):
        resp = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                          {"pon": pon, "sup": "2", "ver": ver, "ddd": "2026-11-30"})
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()["supplement"]
        assert body["status"] == "accepted" and body["due_date"] == "2026-11-30", body


def test_an_unsupported_reqtyp_reports_r501_with_r605(heron):
    """§4: every finding in one reject notice; R501 needs no port type."""
    resp = heron.post("/api/v1/lsrs", dict(example("lsr-simple-port.json"), reqtyp="AB",
                                           ddd="2027-03-01"))
    assert sorted(r["code"] for r in resp.get_json()["rejects"]) == ["R501", "R605"]
