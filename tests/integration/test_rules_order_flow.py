"""Order-flow rules through the API (business-rules §5–§7, §9), on SQLite and PostgreSQL."""
import json

import sqlalchemy as sa

from gateway.models import Account, AuditEvent, LsrVersion, PasscodeFailure, Tn
from tests.conftest import EXAMPLES, set_now

HEADER = ("account_number,btn,customer_name,sano,sasd,sasn,sath,sass,ld1,lv1,city,state,zip,tn,"
          "tn_status,service_class,une,resale_spid,passcode,port_freeze,contact_email")
FEED_TNS = ("5415550400", "5415550401", "5415550402", "5415550403")


def example(name, **changes):
    body = json.loads((EXAMPLES / name).read_text())
    body.update(changes)
    return body


def simple(**changes):
    return example("lsr-simple-port.json", **changes)


def _import(cli, tmp_path, rows, name="accounts.csv"):
    (tmp_path / name).write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    code, out = cli("import-accounts", tmp_path / name)
    assert code == 0, out


def _feed_store(cli, tmp_path):
    """A four-line PBX account in Bend (NPA-NXX 541555 is Cascade's in the examples)."""
    _import(cli, tmp_path, [f"884900,5415550400,CASCADE FEED CO,100,,MAIN,ST,,,,BEND,OR,97701,"
                            f"{tn},working,pbx,N,,,N,feed@example.net" for tn in FEED_TNS])


def _feed_lsr(**changes):
    body = example("lsr-partial-port.json", pon="FEED1", an="884900", atn="5415550400",
                   tns=["5415550400", "5415550401"], nan="5415550403",
                   remarks="PARTIAL PORT DISC 5415550402", ddd="2026-12-01")
    body["eu"] = {"name": "Cascade Feed Company", "sano": "100", "sasn": "Main",
                  "sath": "Street", "city": "Bend", "state": "OR", "zip": "97701"}
    body.update(changes)
    return body


def _sv(api, tn, spid="B451", due="2026-11-24"):
    return api.post("/api/v1/npac/subscriptions", {"tn": tn, "new_spid": spid,
                                                   "lrn": "5419990000", "due_date": due})


def _sup(api, order_id, **body):
    resp = api.post(f"/api/v1/lsrs/{order_id}/supplements", body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# -- §7.4 resubmission, §7.5 duplicates ------------------------------------------------------

def test_resubmission_is_checked_as_a_new_receipt_with_its_own_received_at(app, heron):
    first = heron.post("/api/v1/lsrs", simple(agauth="N")).get_json()
    assert first["received_at"] == "2026-11-23T18:00:00+00:00"
    set_now(app, "2026-11-24T06:30:00-08:00")  # Tuesday before opening
    second = heron.post("/api/v1/lsrs", simple(ver="2")).get_json()
    assert second["id"] == first["id"] and second["status"] == "foc"
    assert second["received_at"] == "2026-11-24T14:30:00+00:00"
    assert second["effective_received_at"] == "2026-11-24T16:00:00+00:00"  # 08:00 Pacific
    assert second["foc"]["due_date"] == "2026-11-25"  # one business day from Tuesday
    assert [(h["ver"], h["status"]) for h in second["history"]] == [("1", "rejected"),
                                                                    ("2", "foc")]


def test_refusals_of_7_5_record_no_version_and_no_audit(heron, db_session):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    versions = _count(db_session, LsrVersion)
    audits = _count(db_session, AuditEvent)
    for body, code in ((simple(ddd="2026-11-30"), "duplicate_version"),
                       (simple(ver="2"), "pon_open")):
        resp = heron.post("/api/v1/lsrs", body)
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == code
    assert (_count(db_session, LsrVersion), _count(db_session, AuditEvent)) == (versions, audits)
    heron.post("/api/v1/lsrs", {"pon": order["pon"], "sup": "1", "ver": "2"})
    versions, audits = _count(db_session, LsrVersion), _count(db_session, AuditEvent)
    closed = heron.post("/api/v1/lsrs", simple(ver="3"))
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "pon_closed"
    assert closed.get_json()["error"]["rejects"][0]["code"] == "R509"
    assert (_count(db_session, LsrVersion), _count(db_session, AuditEvent)) == (versions, audits)


def test_invalid_ver_is_not_truncated_into_a_ver_sent_later(heron):
    first = heron.post("/api/v1/lsrs", simple(ver="ABC")).get_json()
    assert [(r["code"], r["field"]) for r in first["rejects"]] == [("R602", "ver")]
    assert first["ver"] == ""
    second = heron.post("/api/v1/lsrs", simple(ver="AB"))
    assert second.status_code == 201, second.get_json()  # a new VER, not R507
    assert second.get_json()["id"] == first["id"] and second.get_json()["status"] == "foc"


def test_resubmission_with_an_invalid_ver_is_400_and_records_nothing(heron):
    first = heron.post("/api/v1/lsrs", simple(agauth="N")).get_json()
    resp = heron.post("/api/v1/lsrs", simple(ver="2!"))
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_ver"
    assert len(heron.get(f"/api/v1/lsrs/{first['id']}").get_json()["history"]) == 1


def test_blank_sup_is_a_new_lsr_not_a_supplement(heron):
    resp = heron.post("/api/v1/lsrs", simple(sup="  "))
    assert resp.status_code == 201 and resp.get_json()["status"] == "foc"


# -- §6 supplements --------------------------------------------------------------------------

def test_supplement_on_a_rejected_order_is_r504_and_changes_nothing(heron):
    order = heron.post("/api/v1/lsrs", simple(agauth="N")).get_json()
    body = _sup(heron, order["id"], sup="1", ver="2")
    assert body["supplement"]["status"] == "rejected"
    assert [r["code"] for r in body["supplement"]["rejects"]] == ["R504"]
    assert body["lsr"]["status"] == "rejected"


def test_supplement_with_spaces_around_sup_and_ver_reads_them_as_the_engine_does(heron):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    body = _sup(heron, order["id"], sup=" 1 ", ver=" 2")
    assert body["supplement"]["status"] == "accepted" and body["lsr"]["status"] == "canceled"
    assert body["lsr"]["ver"] == "2" and body["lsr"]["history"][-1]["ver"] == "2"


def test_sup2_notice_period_decides_which_receipt_the_interval_counts_from(app, heron):
    order = heron.post("/api/v1/lsrs", simple(ddd="2026-12-04")).get_json()
    assert order["foc"]["due_date"] == "2026-12-04"
    set_now(app, "2026-11-23T10:30:00-08:00")
    # Monday + 2 business days = Wednesday, on or before 12-04: the DDD is honored, as it is
    # not earlier than one business day from the original receipt (Monday) -> Tuesday.
    early = _sup(heron, order["id"], sup="2", ver="2", ddd="2026-11-24")
    assert early["supplement"]["due_date"] == "2026-11-24"
    set_now(app, "2026-11-23T14:00:00-08:00")  # after the 13:00 cut-off: receipt Tuesday
    # Tuesday + 2 business days (Thanksgiving) = Monday 11-30, after the due date 11-24: late,
    # so one business day from the supplement's receipt (Tuesday) -> Wednesday 11-25.
    late = _sup(heron, order["id"], sup="2", ver="3", ddd="2026-11-24")
    assert late["supplement"]["due_date"] == "2026-11-25"
    assert late["lsr"]["foc"]["due_date"] == "2026-11-25"


def test_sup2_on_an_order_awaiting_staff_is_timed_in_the_accounts_zone(app, heron):
    order = heron.post("/api/v1/lsrs", simple(ddd="2026-11-23", exp="Y")).get_json()
    assert order["status"] == "manual_review"
    set_now(app, "2026-11-23T10:30:00-08:00")  # 18:30 UTC: already past 13:00 in UTC
    body = _sup(heron, order["id"], sup="2", ver="2", ddd="2026-11-24")
    assert body["supplement"]["status"] == "accepted"
    assert body["supplement"]["due_date"] == "2026-11-24"  # receipt Monday in Oregon
    assert body["lsr"]["status"] == "manual_review"


def test_fourth_accepted_due_date_supplement_is_r503_rejected_ones_do_not_count(heron):
    order = heron.post("/api/v1/lsrs", simple(ddd="2026-12-01")).get_json()
    outcomes = []
    for ver, ddd in (("2", "2026-12-02"), ("3", "2027-01-30"), ("4", "2026-12-03"),
                     ("5", "2026-12-04"), ("6", "2026-12-07")):
        sup = _sup(heron, order["id"], sup="2", ver=ver, ddd=ddd)["supplement"]
        outcomes.append((sup["status"], [r["code"] for r in sup["rejects"]]))
    assert outcomes == [("accepted", []), ("rejected", ["R501"]), ("accepted", []),
                        ("accepted", []), ("rejected", ["R503"])]
    final = heron.get(f"/api/v1/lsrs/{order['id']}").get_json()
    assert final["status"] == "foc" and final["foc"]["due_date"] == "2026-12-04"


def test_sup3_rechecks_the_whole_order_its_own_tns_not_another_open_order(app, heron):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    sv = _sv(heron, "5415550142").get_json()
    assert sv["status"] == "pending" and sv["concurred"] is True
    set_now(app, "2026-11-23T11:00:00-08:00")
    body = _sup(heron, order["id"], **simple(sup="3", ver="2", ddd="2026-11-25"))
    assert body["supplement"]["status"] == "accepted", body["supplement"]["rejects"]
    assert body["lsr"]["status"] == "foc" and body["lsr"]["foc"]["due_date"] == "2026-11-25"
    assert body["lsr"]["received_at"] == "2026-11-23T19:00:00+00:00"  # the supplement's
    again = heron.get(f"/api/v1/npac/subscriptions/{sv['id']}").get_json()
    assert again["status"] == "pending" and again["concurred"] is True


def test_sup3_that_breaks_a_rule_is_rejected_and_leaves_the_foc(heron):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    body = _sup(heron, order["id"], **simple(sup="3", ver="2", an="123456"))
    assert body["supplement"]["status"] == "rejected"
    assert [r["code"] for r in body["supplement"]["rejects"]] == ["R301"]
    assert body["lsr"]["status"] == "foc" and body["lsr"]["foc"]["due_date"] == "2026-11-24"
    assert body["lsr"]["history"][-1]["status"] == "rejected"


def test_sup3_with_a_wrong_passcode_counts_a_failed_passcode(heron, db_session):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    body = _sup(heron, order["id"], **simple(sup="3", ver="2", passcode="0000"))
    assert [r["code"] for r in body["supplement"]["rejects"]] == ["R306"]
    assert _count(db_session, PasscodeFailure, PasscodeFailure.account_number == "884201") == 1


def test_cancel_supplement_cancels_the_pending_svs(heron):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    sv = _sv(heron, "5415550142").get_json()
    _sup(heron, order["id"], sup="1", ver="2")
    assert heron.get(f"/api/v1/npac/subscriptions/{sv['id']}").get_json()["status"] == \
        "canceled"


# -- §5.2 projects ---------------------------------------------------------------------------

def test_project_keeps_its_port_type_when_rejected(heron, cli, tmp_path):
    tns = [f"541555{n:04d}" for n in range(1000, 1101)]
    _import(cli, tmp_path, [f"884950,{tns[0]},BEND TIMBER CORP,7,,MILL,RD,,,,BEND,OR,97702,"
                            f"{tn},working,pbx,N,,,N," for tn in tns])
    body = _feed_lsr(pon="BIG1", an="884950", atn=None, nan=None, mi=None, remarks=None,
                     tns=tns, agauth="N")
    body["eu"] = {"name": "Bend Timber Corporation", "sano": "7", "sasn": "Mill",
                  "sath": "Road", "city": "Bend", "state": "OR", "zip": "97702"}
    rejected = heron.post("/api/v1/lsrs", body).get_json()
    assert rejected["status"] == "rejected" and rejected["port_type"] == "project"
    fixed = heron.post("/api/v1/lsrs", dict(body, ver="2", agauth="Y")).get_json()
    assert fixed["status"] == "manual_review" and fixed["review_reason"] == "project"
    assert fixed["port_type"] == "project"


# -- §9.2 concurrence for the FOC's SPID, §9.3 completion ------------------------------------

def test_sv_concurs_only_for_the_spid_the_foc_names_nnsp_before_cc(heron):
    order = heron.post("/api/v1/lsrs", simple(nnsp="SW01")).get_json()
    assert order["status"] == "foc", order["rejects"]
    sv = _sv(heron, "5415550142").get_json()  # B451 is the CC, but the NNSP is SW01
    assert sv["status"] == "conflict" and sv["concurred"] is False
    assert sv["conflict_cause"] == 50


def test_sv_concurs_for_the_cc_when_nnsp_is_blank(heron):
    order = heron.post("/api/v1/lsrs", simple(nnsp="  ")).get_json()
    assert order["status"] == "foc", order["rejects"]
    sv = _sv(heron, "5415550142").get_json()
    assert sv["status"] == "pending" and sv["concurred"] is True


def test_partial_port_completion_disconnects_disc_tns_and_keeps_the_account(
        app, heron, cli, tmp_path, db_session):
    _feed_store(cli, tmp_path)
    order = heron.post("/api/v1/lsrs", _feed_lsr()).get_json()
    assert order["status"] == "foc", order["rejects"]
    assert order["foc"]["disconnect_tns"] == ["5415550402"]
    assert order["foc"]["new_btn"] == "5415550403"
    svs = [_sv(heron, tn, due="2026-12-01").get_json() for tn in ("5415550400", "5415550401")]
    set_now(app, "2026-12-01T00:00:00-08:00")  # the porting window opens at 00:00 local
    assert heron.post(f"/api/v1/npac/subscriptions/{svs[0]['id']}/activate").status_code == 200
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "foc"
    assert heron.post(f"/api/v1/npac/subscriptions/{svs[1]['id']}/activate").status_code == 200
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "completed"
    db_session.expire_all()
    statuses = {tn: db_session.get(Tn, tn).status for tn in FEED_TNS}
    assert statuses == {"5415550400": "ported_out", "5415550401": "ported_out",
                        "5415550402": "disconnected", "5415550403": "working"}
    assert db_session.get(Account, "884900").closed_at is None


def test_btn_leaving_with_every_other_tn_disconnected_needs_no_nan_and_closes_the_account(
        app, heron, cli, tmp_path, db_session):
    _feed_store(cli, tmp_path)
    body = _feed_lsr(tns=["5415550400"], nan=None,
                     remarks="PARTIAL PORT DISC 5415550401, (541) 555-0402; 541 555 0403")
    order = heron.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "foc", order["rejects"]
    assert order["foc"]["disconnect_tns"] == ["5415550401", "5415550402", "5415550403"]
    assert order["foc"]["new_btn"] is None
    sv = _sv(heron, "5415550400", due="2026-12-01").get_json()
    set_now(app, "2026-12-07T23:59:59-08:00")  # last second of the 4th business day after
    assert heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate").status_code == 200
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["status"] == "completed"
    db_session.expire_all()
    assert {db_session.get(Tn, tn).status for tn in FEED_TNS[1:]} == {"disconnected"}
    assert db_session.get(Account, "884900").closed_at is not None


def test_activation_after_the_porting_window_is_not_activatable(app, heron):
    heron.post("/api/v1/lsrs", simple())
    sv = _sv(heron, "5415550142").get_json()
    set_now(app, "2026-12-03T00:00:00-08:00")  # due 11-24; window closed 12-02 23:59:59
    resp = heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_activatable"


def _activate(app, heron, tn):
    sv = _sv(heron, tn, due="2026-12-01").get_json()
    assert sv["status"] == "pending", sv
    assert heron.post(f"/api/v1/npac/subscriptions/{sv['id']}/activate").status_code == 200


def test_completion_disconnects_no_disc_tn_that_another_order_ported_out(app, heron, db_session):
    """§4.6: DISC names working lines of the account; one another order ported out meanwhile
    stays that order's (it was rewritten `disconnected` while NPAC showed it active)."""
    first = heron.post("/api/v1/lsrs", example("lsr-partial-port.json", nan=None,
                                               remarks="PARTIAL PORT DISC 5415550301")).get_json()
    second = heron.post("/api/v1/lsrs", example("lsr-partial-port.json", pon="BHWB2", nan=None,
                                                tns=["5415550301"])).get_json()
    assert first["status"] == second["status"] == "foc", (first["rejects"], second["rejects"])
    set_now(app, "2026-12-01T09:00:00-08:00")
    _activate(app, heron, "5415550301")  # the second order completes first
    _activate(app, heron, "5415550300")
    db_session.expire_all()
    assert db_session.get(Tn, "5415550301").status == "ported_out"
    assert heron.get("/api/v1/npac/tns/5415550301").get_json()["spid"] == "B451"


def test_the_new_btn_is_a_line_that_stays_even_when_the_nan_was_ported_meanwhile(
        app, heron, cli, tmp_path, db_session):
    """§4.6: the new BTN is "a working TN of the account that stays"; when another order
    ported the NAN out first, the account's first working line takes the BTN."""
    _feed_store(cli, tmp_path)  # 0400 is the BTN; 0401, 0402, 0403 work
    first = heron.post("/api/v1/lsrs", _feed_lsr(pon="FEEDA", tns=["5415550400"],
                                                 nan="5415550401", remarks=None)).get_json()
    second = heron.post("/api/v1/lsrs", _feed_lsr(pon="FEEDB", tns=["5415550401"], nan=None,
                                                  remarks=None)).get_json()
    assert first["status"] == second["status"] == "foc", (first["rejects"], second["rejects"])
    set_now(app, "2026-12-01T09:00:00-08:00")
    _activate(app, heron, "5415550401")
    _activate(app, heron, "5415550400")
    db_session.expire_all()
    account = db_session.get(Account, "884900")
    assert account.btn == "5415550402" and db_session.get(Tn, account.btn).status == "working"


def test_an_sv_with_an_lrn_that_is_not_ten_ascii_digits_is_refused(heron):
    for lrn in ("5419990000\n", "\u0665\u0664\u0661\u0669\u0669\u0669\u0660\u0660\u0660\u0660"):
        resp = heron.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "B451",
                                                         "lrn": lrn, "due_date": "2026-11-24"})
        assert resp.status_code == 400, (lrn, resp.get_json())
