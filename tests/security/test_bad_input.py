"""Bad input at the edge: oversized, deep, mistyped, NUL, unpaired surrogates, huge TN lists.
Every one gets a clear 4xx (or a recorded reject) and none a 5xx (issue 8 §4)."""
from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

from gateway.models import AuditEvent, CsrRequest, Lsr
from tests.conftest import EXAMPLES, PASSWORD


def simple_port(**changes) -> dict:
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def recorded(db_session) -> tuple[int, int, int]:
    db_session.rollback()  # see what the requests committed
    return tuple(db_session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Lsr, CsrRequest, AuditEvent))


def test_oversized_body_is_413_with_the_error_envelope(app, heron, db_session):
    before = recorded(db_session)
    raw = '{"pon": "' + "A" * (app.config["MAX_CONTENT_LENGTH"] + 10) + '"}'
    resp = heron("POST", "/api/v1/lsrs", raw=raw)
    assert resp.status_code == 413
    error = resp.get_json()["error"]
    assert error["code"] == "request_entity_too_large" and error["message"]
    assert recorded(db_session) == before


@pytest.mark.parametrize("depth", [40, 5000, 200_000])
def test_deeply_nested_json_is_400(heron, db_session, depth):
    before = recorded(db_session)
    raw = '{"eu": ' + "[" * depth + "]" * depth + "}"
    resp = heron("POST", "/api/v1/lsrs", raw=raw)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"
    assert "nested" in resp.get_json()["error"]["message"]
    assert recorded(db_session) == before


@pytest.mark.parametrize("raw", [
    '{"pon": "AB\\u0000C", "ver": "1"}',          # NUL inside a value
    '{"eu": {"name": "LINDA\\u0000"}}',            # NUL deep inside
    '{"pon\\u0000": "A"}',                         # NUL in a key
    '{"pon": "\\ud800", "ver": "1"}',              # an unpaired surrogate
    '{"ver": NaN}', '{"ver": Infinity}', '{"ver": 1e400}',
    '{"ver": ' + "9" * 5000 + "}",                 # beyond Python's int text limit
])
def test_text_no_database_can_store_is_400_and_records_nothing(heron, db_session, raw):
    before = recorded(db_session)
    for path in ("/api/v1/lsrs", "/api/v1/lsrs/validate", "/api/v1/csr-requests"):
        resp = heron("POST", path, raw=raw)
        assert resp.status_code == 400, (path, resp.get_data(as_text=True)[:200])
        assert resp.get_json()["error"]["code"] == "bad_request"
    assert recorded(db_session) == before


@pytest.mark.parametrize("path", [
    "/api/v1/lsrs?pon=%00", "/api/v1/lsrs?tn=54155%0050142", "/api/v1/csr-requests?tn=%00",
    "/api/v1/lsrs?status=A%00", "/api/v1/npac/tns/541555%000142",
    "/api/v1/escalation-contacts?state=O%00R"])
def test_nul_in_the_address_is_400(heron, path):
    resp = heron.get(path)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"


def test_nul_in_a_path_part_of_a_staff_route_is_400(desk):
    resp = desk.post("/api/v1/staff/accounts/88%0042/unlock")
    assert resp.status_code == 400


def test_nul_in_a_form_field_is_400(client, actors):
    actors.partner()
    actors.user("heron")
    resp = client.post("/login", data={"username": "heron\x00", "password": PASSWORD})
    assert resp.status_code == 400
    assert client.post("/login", data={"username": "heron", "password": PASSWORD}
                       ).status_code == 302


@pytest.mark.parametrize("content_type, status", [
    ("text/plain", 201), ("application/json; charset=utf-8", 201), (None, 201),
    ("application/octet-stream", 201),
    ("application/x-www-form-urlencoded", 400)])  # a declared form is read as a form
def test_a_json_body_is_read_whatever_content_type_it_claims(heron, content_type, status):
    data = json.dumps(simple_port(pon=f"CT{abs(hash(str(content_type))) % 10**6}"))
    headers = {"Authorization": f"Bearer {heron.token}"}
    if content_type:
        headers["Content-Type"] = content_type
    resp = heron.client.post("/api/v1/lsrs", data=data, headers=headers)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]


@pytest.mark.parametrize("data, content_type", [
    ("pon=A&ver=1", "application/x-www-form-urlencoded"), ("", "application/json"),
    ("\xff\xfe{}", "application/json"), (b"\x89PNG\r\n\x1a\n", "image/png")])
def test_a_body_that_is_not_json_is_400(heron, data, content_type):
    resp = heron.client.post("/api/v1/lsrs", data=data, content_type=content_type,
                             headers={"Authorization": f"Bearer {heron.token}"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("name", ["ＬＩＮＤＡ ＮＡＫＡＭＵＲＡ", "Łinda Ñakamura", "ליндa",
                                  "🙂" * 70, "e\u0301" * 30, "\u202eARUMAKAN ADNIL"])
def test_unicode_is_recorded_or_rejected_never_a_crash(heron, name):
    body = simple_port(pon="UNI" + str(abs(hash(name)) % 10**6), eu={"zip": "97703",
                                                                      "name": name})
    resp = heron.post("/api/v1/lsrs", body)
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    assert heron.get(f"/api/v1/lsrs/{resp.get_json()['id']}").status_code == 200


def test_unicode_pon_is_a_recorded_r602(heron):
    resp = heron.post("/api/v1/lsrs", simple_port(pon="ΠΟΝ1"))
    assert resp.status_code == 201
    assert ("R602", "pon") in {(r["code"], r["field"]) for r in resp.get_json()["rejects"]}


@pytest.mark.parametrize("count", [501, 20_000])
def test_huge_tn_lists_are_rejected_r603_quickly(heron, count):
    tns = [f"541555{n:04d}" for n in range(count)]
    started = time.monotonic()
    resp = heron.post("/api/v1/lsrs", simple_port(pon=f"HUGE{count}", tns=tns))
    assert resp.status_code == 201
    assert "R603" in [r["code"] for r in resp.get_json()["rejects"]]
    dry = heron.post("/api/v1/lsrs/validate", simple_port(pon=f"DRY{count}", tns=tns))
    assert dry.status_code == 200 and "R603" in [r["code"] for r in dry.get_json()["rejects"]]
    assert time.monotonic() - started < 20


def test_huge_list_of_junk_tns_is_a_reject_not_a_crash(heron):
    tns = [None, 5415550142, {"tn": 1}, [], "x" * 300] * 200
    resp = heron.post("/api/v1/lsrs", simple_port(pon="JUNKTNS", tns=tns))
    assert resp.status_code == 201
    assert {"R602", "R603"} <= {r["code"] for r in resp.get_json()["rejects"]}


@pytest.mark.parametrize("value", ["²", "١", "99999999999999999999", "2147483648", " ", "-1"])
def test_an_id_in_a_query_string_that_is_no_id_is_never_a_crash(app, heron, actors, value):
    """`str.isdigit` takes "²", which `int` refuses; `int` takes other scripts' digits; an id
    beyond an INTEGER key makes PostgreSQL refuse the query: each page answers without one."""
    from urllib.parse import quote

    from tests.conftest import Web
    web, staff_web = Web(app.test_client()), Web(app.test_client())
    web.login("heron")
    actors.user("deskadmin", role="staff_admin", partner=None)
    staff_web.login("deskadmin")
    for page in (f"/portal/lsrs/new?from={quote(value)}", f"/portal/lsrs/new?csr={quote(value)}"):
        resp = web.get(page)
        assert resp.status_code == 200, (page, resp.status_code)
    staff = staff_web.get(f"/staff/escalation-contacts?state=OR&level={quote(value)}")
    assert staff.status_code == 200


def test_id_from_text_takes_ascii_ids_in_range_only():
    from gateway.platform.hardening import MAX_ID, id_from_text
    assert id_from_text("42") == 42 and id_from_text(" 7 ") == 7
    assert id_from_text(str(MAX_ID)) == MAX_ID
    for bad in ("²", "١٢", str(MAX_ID + 1), "", None, "4 2", "+4", "0x1"):
        assert id_from_text(bad) is None, bad


@pytest.mark.parametrize("field, value", [("zip", "97703\n"), ("zip", "９７７０３"),
                                          ("phone", "5035550100\n")])
def test_onboarding_values_match_whole_and_in_ascii_digits(field, value):
    from gateway.services.partners import onboarding
    pattern = {"zip": onboarding.ZIP_RE, "phone": onboarding.PHONE_RE}[field]
    assert pattern.match(value) is None


@pytest.mark.parametrize("query, zone", [
    ("/portal/orders?date_to=9999-12-31", None), ("/portal/orders.csv?date_to=9999-12-31", None),
    ("/portal/orders?date_from=0001-01-01", "Asia/Tokyo"),
    ("/staff/audit?since=0001-01-01", "Asia/Tokyo"), ("/staff/audit?until=9999-12-31", None)])
def test_a_day_at_the_calendars_edge_is_no_bound_not_a_crash(app, heron, actors, store, query,
                                                            zone):
    """Midnight of 0001-01-01 east of UTC, and the end of 9999-12-31, are outside what a
    datetime holds (OverflowError: a 500); every order is inside them, so they bound nothing."""
    import sqlalchemy as sa

    from gateway.models import User
    from tests.conftest import Web
    staff = query.startswith("/staff")
    if staff:
        actors.user("deskadmin", role="staff_admin", partner=None)
    name = "deskadmin" if staff else "heron"
    if zone:
        store.execute(sa.update(User).where(User.username == name).values(timezone=zone))
        store.commit()
    web = Web(app.test_client())
    web.login(name)
    assert web.get(query).status_code == 200
