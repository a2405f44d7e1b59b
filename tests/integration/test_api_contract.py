"""api-contract §4.1–§4.4: every endpoint with its statuses and exact JSON keys."""
import json

import pytest

from tests.conftest import EXAMPLES, Api, set_now

ORDER_KEYS = {"id", "order_number", "ccna", "pon", "ver", "status", "port_type", "received_at",
              "effective_received_at", "review_reason", "foc", "rejects", "history",
              "awaiting_partner"}
FOC_KEYS = {"due_date", "due_time", "issued_at", "tns", "disconnect_tns", "new_btn"}
HISTORY_KEYS = {"ver", "sup", "status", "at", "rejects", "due_date"}
CSR_BODY_KEYS = {"id", "status", "received_at", "due_at", "rejects", "csr"}
CSR_KEYS = {"account_number", "btn", "customer_name", "service_address", "tns", "service_class",
            "une", "simple_port_eligible", "passcode_required", "port_freeze"}
ADDRESS_KEYS = {"sano", "sasd", "sasn", "sath", "sass", "ld1", "lv1", "city", "state", "zip"}
SV_KEYS = {"id", "tn", "old_spid", "new_spid", "status", "concurred", "conflict_cause",
           "due_date"}


def simple(**changes):
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    body.update(changes)
    return body


def _sv(api, tn="5415550142", spid="B451", due="2026-11-24"):
    return api.post("/api/v1/npac/subscriptions", {"tn": tn, "new_spid": spid,
                                                   "lrn": "5419990000", "due_date": due})


def _error(resp, status, code):
    assert resp.status_code == status, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    return error


# -- §4.1 CSR requests -----------------------------------------------------------------------

def test_csr_request_returned_201_with_the_exact_record(heron):
    resp = heron.post("/api/v1/csr-requests", {"tn": "5415550300", "agauth": "Y"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert set(body) >= CSR_BODY_KEYS and body["status"] == "returned" and body["rejects"] == []
    assert body["received_at"] == "2026-11-23T18:00:00+00:00"
    assert body["due_at"] == "2026-11-25T01:00:00+00:00"  # 17:00 Pacific, next business day
    csr = body["csr"]
    assert set(csr) == CSR_KEYS and set(csr["service_address"]) == ADDRESS_KEYS
    assert (csr["account_number"], csr["btn"], csr["customer_name"]) == \
        ("884377", "5415550300", "HIGH DESERT DENTAL PC")
    assert csr["tns"] == [{"tn": "5415550300", "status": "working"},
                          {"tn": "5415550301", "status": "working"},
                          {"tn": "5415550302", "status": "disconnected"}]
    assert (csr["service_class"], csr["une"], csr["simple_port_eligible"],
            csr["passcode_required"], csr["port_freeze"]) == ("did", False, False, False, False)


def test_csr_never_discloses_the_passcode_only_that_one_is_required(heron, distinct_passcode):
    body = heron.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"}).get_json()
    assert body["csr"]["passcode_required"] is True and body["csr"]["simple_port_eligible"]
    assert distinct_passcode not in json.dumps(body)


@pytest.mark.parametrize("tn,code,named", [
    ("5415550199", "R201", "Blue Heron Wireless"),  # ported away: NPAC shows B451
    ("5415557020", "R202", "Summit West Communications"),  # resold line
    ("5415550302", "R203", "disconnected"),
    ("8005550100", "R207", ""),
])
def test_csr_request_rejected_is_201_with_its_reject_and_no_record(heron, tn, code, named):
    resp = heron.post("/api/v1/csr-requests", {"tn": tn, "agauth": "Y"})
    body = resp.get_json()
    assert resp.status_code == 201 and body["status"] == "rejected" and body["csr"] is None
    assert [r["code"] for r in body["rejects"]] == [code]
    assert named in body["rejects"][0]["message"] and body["rejects"][0]["field"] == "tns"


def test_csr_request_read_back_by_id_and_listed_by_tn(heron):
    made = [heron.post("/api/v1/csr-requests", {"tn": tn, "agauth": "Y"}).get_json()
            for tn in ("5415550142", "5415550300", "5415550142")]
    assert heron.get(f"/api/v1/csr-requests/{made[1]['id']}").get_json() == made[1]
    assert heron.get("/api/v1/csr-requests/999999").status_code == 404
    page = heron.get("/api/v1/csr-requests?tn=5415550142&page=1&per_page=1").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (2, 1, 1, 1)
    everything = heron.get("/api/v1/csr-requests").get_json()
    assert everything["total"] == 3 and everything["per_page"] == 50


# -- §4.2 LSRs -------------------------------------------------------------------------------

def test_lsr_201_has_the_exact_order_body(heron):
    resp = heron.post("/api/v1/lsrs", simple())
    assert resp.status_code == 201
    body = resp.get_json()
    assert set(body) >= ORDER_KEYS and set(body["foc"]) == FOC_KEYS
    assert all(set(h) == HISTORY_KEYS for h in body["history"])
    assert (body["ccna"], body["pon"], body["ver"], body["status"], body["port_type"]) == \
        ("BHW", "BHW20261123A", "1", "foc", "simple")
    assert body["foc"] == {"due_date": "2026-11-24", "due_time": None,
                           "issued_at": "2026-11-23T18:00:00+00:00",
                           "tns": ["5415550142"], "disconnect_tns": [], "new_btn": None}
    assert body["review_reason"] is None and body["rejects"] == []
    assert heron.get(f"/api/v1/lsrs/{body['id']}").get_json() == body


def test_lsr_reject_is_201_with_every_finding_and_no_foc(heron):
    resp = heron.post("/api/v1/lsrs", simple(agauth="N", an="1", eu={"zip": "11111"}))
    body = resp.get_json()
    assert resp.status_code == 201 and body["status"] == "rejected" and body["foc"] is None
    assert sorted(r["code"] for r in body["rejects"]) == ["R101", "R301", "R305"]
    assert all(set(r) == {"code", "field", "message"} for r in body["rejects"])


def test_lsr_read_and_list_404_and_filters(heron):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    heron.post("/api/v1/lsrs", simple(pon="OTHER1", agauth="N"))
    assert heron.get("/api/v1/lsrs/999999").status_code == 404
    assert heron.get("/api/v1/lsrs?pon=BHW20261123A").get_json()["items"][0]["id"] == order["id"]
    assert heron.get("/api/v1/lsrs?status=foc").get_json()["total"] == 1
    assert heron.get("/api/v1/lsrs?status=rejected").get_json()["total"] == 1
    assert heron.get("/api/v1/lsrs?pon=NOPE").get_json() == {"items": [], "page": 1,
                                                             "per_page": 50, "total": 0}


def test_validate_needs_the_lsr_privilege_and_reports_7_5(client, heron, actors):
    actors.user("viewer", privileges=("view",))
    viewer = Api(client, actors.token("viewer"))
    assert viewer.post("/api/v1/lsrs/validate", simple()).status_code == 403
    heron.post("/api/v1/lsrs", simple())
    dry = heron.post("/api/v1/lsrs/validate", simple(ver="2"))
    assert dry.status_code == 200
    assert set(dry.get_json()) == {"port_type", "rejects", "due_date", "review_reason",
                                   "passcode_checked", "duplicate_of"}
    assert [r["code"] for r in dry.get_json()["rejects"]] == ["R508"]
    assert dry.get_json()["due_date"] is None


def test_supplement_endpoint_answers_lsr_and_supplement(heron):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                      {"sup": "2", "ver": "2", "ddd": "2026-11-25"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"lsr", "supplement"}
    assert body["supplement"] == {"sup": "2", "ver": "2", "status": "accepted", "rejects": [],
                                  "due_date": "2026-11-25"}
    assert body["lsr"]["foc"]["due_date"] == "2026-11-25"
    assert heron.post("/api/v1/lsrs/999999/supplements",
                      {"sup": "1", "ver": "3"}).status_code == 404


def test_supplement_by_pon_on_post_lsrs_is_200_with_the_same_body(heron):
    heron.post("/api/v1/lsrs", simple())
    resp = heron.post("/api/v1/lsrs", {"pon": "BHW20261123A", "sup": "2", "ver": "2",
                                       "ddd": "2026-11-30"})
    assert resp.status_code == 200
    assert resp.get_json()["supplement"]["due_date"] == "2026-11-30"
    unknown = heron.post("/api/v1/lsrs", {"pon": "NOSUCH", "sup": "2", "ver": "2"})
    error = _error(unknown, 404, "unknown_pon")
    assert error["rejects"][0]["code"] == "R506"


def test_duplicate_refusals_carry_their_reject_codes(heron):
    heron.post("/api/v1/lsrs", simple())
    dup = _error(heron.post("/api/v1/lsrs", simple(ddd="2026-11-25")), 409, "duplicate_version")
    assert [r["code"] for r in dup["rejects"]] == ["R507"]
    open_ = _error(heron.post("/api/v1/lsrs", simple(ver="2")), 409, "pon_open")
    assert [r["code"] for r in open_["rejects"]] == ["R508"]


# -- §4.3 NPAC -------------------------------------------------------------------------------

def test_subscription_read_cancel_and_ownership(client, heron, actors):
    heron.post("/api/v1/lsrs", simple())
    sv = _sv(heron)
    assert sv.status_code == 201 and set(sv.get_json()) >= SV_KEYS
    assert sv.get_json()["old_spid"] == "CT01" and sv.get_json()["due_date"] == "2026-11-24"
    sv_id = sv.get_json()["id"]
    assert heron.get(f"/api/v1/npac/subscriptions/{sv_id}").get_json() == sv.get_json()
    actors.partner(ccna="SWC", name="Summit West", spids=("SW01",), type="clec")
    actors.user("summit", partner="SWC")
    other = Api(client, actors.token("summit"))
    assert other.get(f"/api/v1/npac/subscriptions/{sv_id}").status_code == 404
    assert other.post(f"/api/v1/npac/subscriptions/{sv_id}/cancel").status_code == 404
    canceled = heron.post(f"/api/v1/npac/subscriptions/{sv_id}/cancel")
    assert canceled.status_code == 200 and canceled.get_json()["status"] == "canceled"
    _error(heron.post(f"/api/v1/npac/subscriptions/{sv_id}/cancel"), 409, "not_cancelable")
    _error(heron.post(f"/api/v1/npac/subscriptions/{sv_id}/activate"), 409, "not_activatable")


def test_subscription_with_a_bad_body_is_400(heron):
    resp = heron.post("/api/v1/npac/subscriptions", {"tn": "541555014", "new_spid": "B451",
                                                     "lrn": "12", "due_date": "soon"})
    error = _error(resp, 400, "bad_request")
    assert set(error["fields"]) == {"tn", "lrn", "due_date"}


def test_npac_endpoints_refuse_staff_tokens(heron, desk):
    assert desk.post("/api/v1/npac/subscriptions", {"tn": "5415550142", "new_spid": "CT01",
                                                    "lrn": "5419990000",
                                                    "due_date": "2026-11-24"}).status_code == 403


# -- §4.4 staff ------------------------------------------------------------------------------

def test_staff_queue_is_soonest_due_first_with_its_keys(app, heron, desk):
    partial = json.loads((EXAMPLES / "lsr-partial-port.json").read_text())
    later = heron.post("/api/v1/lsrs", dict(partial, ddd="2026-11-24", exp="Y")).get_json()
    set_now(app, "2026-11-23T09:00:00-08:00")
    sooner = heron.post("/api/v1/lsrs", simple(ddd="2026-11-23", exp="Y")).get_json()
    assert later["status"] == sooner["status"] == "manual_review"
    items = desk.get("/api/v1/staff/queue").get_json()["items"]
    assert [i["id"] for i in items if i["kind"] == "lsr"] == [sooner["id"], later["id"]]
    assert items[0] == {"kind": "lsr", "id": sooner["id"], "reason": "expedite",
                        "due_at": "2026-11-23T21:00:00+00:00"}  # 09:00 + 4 business hours
    assert items[1]["due_at"] == "2026-11-25T01:00:00+00:00"  # 17:00 the next business day


def test_staff_decision_errors(heron, desk):
    order = heron.post("/api/v1/lsrs", simple()).get_json()  # an FOC: not awaiting staff
    _error(desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "foc", "due_date": "2026-11-24"}), 409, "not_in_review")
    assert desk.post("/api/v1/staff/lsrs/999999/decision",
                     {"action": "foc", "due_date": "2026-11-24"}).status_code == 404
    assert desk.post(f"/api/v1/staff/lsrs/{order['id']}/decision",
                     {"action": "approve"}).status_code == 400
    partial = json.loads((EXAMPLES / "lsr-partial-port.json").read_text())
    review = heron.post("/api/v1/lsrs", dict(partial, ddd="2026-11-24", exp="Y")).get_json()
    assert review["status"] == "manual_review"
    _error(desk.post(f"/api/v1/staff/lsrs/{review['id']}/decision",
                     {"action": "foc", "due_date": "2026-11-20"}), 400, "invalid_due_date")
    _error(desk.post(f"/api/v1/staff/lsrs/{review['id']}/decision",
                     {"action": "reject", "codes": ["R999"]}), 400, "invalid_codes")
    assert heron.get(f"/api/v1/lsrs/{review['id']}").get_json()["status"] == "manual_review"


def test_staff_manual_csr_request_answers_at_once_with_the_recorded_time(heron, desk):
    resp = desk.post("/api/v1/staff/manual-csr-requests", {
        "partner_ccna": "BHW", "channel": "email", "received_at": "2026-11-20T16:30:00-08:00",
        "request": {"tn": "5415550142", "agauth": "Y"}})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "returned" and body["received_at"] == "2026-11-21T00:30:00+00:00"
    # Friday 16:30 is after the 15:00 CSR cut-off: receipt Monday, due Tuesday 17:00 Pacific.
    assert body["due_at"] == "2026-11-25T01:00:00+00:00"
    assert heron.get(f"/api/v1/csr-requests/{body['id']}").status_code == 200


def test_staff_manual_lsr_uses_the_recorded_received_time(heron, desk):
    resp = desk.post("/api/v1/staff/manual-lsrs", {
        "partner_ccna": "BHW", "channel": "fax", "received_at": "2026-11-20T12:59:00-08:00",
        "lsr": simple(ddd="2026-11-20")})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["received_at"] == "2026-11-20T20:59:00+00:00"
    # Fri + 1 is Mon 11-23, but the FOC is issued on Mon 11-23: never before the first
    # business day after the issue day (§5.3, revision 2)
    assert body["status"] == "foc" and body["foc"]["due_date"] == "2026-11-24"
    bad = desk.post("/api/v1/staff/manual-lsrs", {"partner_ccna": "BHW", "channel": "telex",
                                                  "received_at": "2026-11-20T12:00:00-08:00",
                                                  "lsr": simple()})
    assert bad.status_code == 400
    unknown = desk.post("/api/v1/staff/manual-lsrs", {
        "partner_ccna": "ZZZ", "channel": "fax", "received_at": "2026-11-20T12:00:00-08:00",
        "lsr": simple()})
    assert unknown.status_code == 404


def test_staff_unlock_of_an_unknown_account_is_404(desk):
    assert desk.post("/api/v1/staff/accounts/000000/unlock").status_code == 404


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/staff/queue"), ("POST", "/api/v1/staff/lsrs/1/decision"),
    ("POST", "/api/v1/staff/manual-lsrs"), ("POST", "/api/v1/staff/manual-csr-requests"),
    ("POST", "/api/v1/staff/accounts/884201/unlock"),
])
def test_staff_endpoints_are_403_for_partner_tokens(heron, method, path):
    assert heron(method, path, {}).status_code == 403


@pytest.mark.parametrize("path,body", [
    ("/api/v1/lsrs", {}), ("/api/v1/lsrs/validate", {}), ("/api/v1/csr-requests", {}),
    ("/api/v1/lsrs/1/supplements", {"sup": "1", "ver": "2"}),
])
def test_partner_write_endpoints_are_403_for_staff_tokens(desk, path, body):
    assert desk.post(path, body).status_code == 403


def test_staff_read_every_partners_orders(heron, desk):
    order = heron.post("/api/v1/lsrs", simple()).get_json()
    csr = heron.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"}).get_json()
    assert desk.get(f"/api/v1/lsrs/{order['id']}").get_json() == order
    assert desk.get(f"/api/v1/csr-requests/{csr['id']}").get_json() == csr
