"""CPNI reads are audited (business-rules §1.3.3): every view of a CSR (portal, API, staff
console), of an account in the staff console and every download names the user, the account
and the time; list pages do not. Account passcodes are keyed slow hashes, migrated on import
and on first use."""
import base64
import json
from datetime import UTC, datetime

import sqlalchemy as sa

from gateway.models import Account, AuditEvent
from tests.conftest import EXAMPLES, Api, Web

ACCOUNT, TN = "884201", "5415550142"  # the example account (passcode 7713)
NOW_UTC = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # the frozen clock, 10:00 Pacific
PDF = b"%PDF-1.4\n% end user LOA\n"
CPNI = ("csr.viewed", "csr.downloaded", "account.viewed", "loa.viewed")


def _reads(store):
    store.expire_all()
    return store.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(CPNI))
                         .order_by(AuditEvent.id)).all()


def _csr(heron):
    req = heron.post("/api/v1/csr-requests", {"tn": TN, "ccna": "BHW", "agauth": "Y"}).get_json()
    assert req["status"] == "returned"
    return req


def _names_user_account_time(event, username):
    assert event.actor == username and event.actor_user_id is not None
    assert event.details["account"] == ACCOUNT
    assert event.at == NOW_UTC


def test_an_api_read_of_one_csr_request_is_audited_and_the_list_is_not(heron, store):
    req = _csr(heron)
    assert heron.get("/api/v1/csr-requests").status_code == 200
    assert _reads(store) == []
    assert heron.get(f"/api/v1/csr-requests/{req['id']}").status_code == 200
    [event] = _reads(store)
    assert (event.action, event.object_type, event.object_id) == \
        ("csr.viewed", "csr_request", str(req["id"]))
    assert event.details["channel"] == "api"
    _names_user_account_time(event, "heron")


def test_a_portal_csr_page_is_audited_and_the_list_page_is_not(client, heron, store):
    req = _csr(heron)
    web = Web(client)
    web.login("heron")
    assert web.get("/portal/csr").status_code == 200
    assert _reads(store) == []
    assert web.get(f"/portal/csr/{req['id']}").status_code == 200
    [event] = _reads(store)
    assert event.action == "csr.viewed" and event.details["channel"] == "portal"
    _names_user_account_time(event, "heron")
    assert web.get(f"/portal/csr/{req['id']}.csv").status_code == 200
    download = _reads(store)[-1]
    assert download.action == "csr.downloaded"
    _names_user_account_time(download, "heron")


def test_staff_console_csr_and_account_views_are_audited_and_searches_are_not(
        heron, staff_web, store):
    req = _csr(heron)
    assert staff_web.get("/staff/accounts?q=NAKAMURA").status_code in (200, 302)
    assert staff_web.get("/staff/accounts?q=zzzz-nobody").status_code == 200
    assert _reads(store) == []
    assert staff_web.get(f"/staff/csr-requests/{req['id']}").status_code == 200
    assert staff_web.get(f"/staff/accounts/{ACCOUNT}").status_code == 200
    csr_view, account_view = _reads(store)
    assert csr_view.action == "csr.viewed" and csr_view.details["channel"] == "staff"
    _names_user_account_time(csr_view, "deskadmin")
    assert (account_view.action, account_view.object_type, account_view.object_id) == \
        ("account.viewed", "account", ACCOUNT)
    _names_user_account_time(account_view, "deskadmin")


DENTAL = {"tn": "5415550300", "ccna": "BHW", "agauth": "Y"}  # 884377: not a simple port


def test_an_lsr_form_filled_from_a_csr_is_one_audited_csr_view(client, heron, store):
    req = heron.post("/api/v1/csr-requests", DENTAL).get_json()
    web = Web(client)
    web.login("heron")
    assert _reads(store) == []
    page = web.get(f"/portal/lsrs/new?csr={req['id']}").get_data(as_text=True)
    assert "HIGH DESERT DENTAL PC" in page and 'id="partial-table"' in page
    [event] = _reads(store)
    assert (event.action, event.object_type, event.object_id) == \
        ("csr.viewed", "csr_request", str(req["id"]))
    assert event.actor == "heron" and event.actor_user_id is not None
    assert event.details["account"] == "884377" and event.details["channel"] == "portal"
    assert event.at == NOW_UTC


def test_without_view_or_csr_the_lsr_form_shows_nothing_of_a_csr(client, heron, actors,
                                                                  store):
    req = heron.post("/api/v1/csr-requests", DENTAL).get_json()
    actors.user("hlsr", privileges=["lsr"])
    web = Web(client)
    web.login("hlsr")
    assert web.get(f"/portal/csr/{req['id']}").status_code == 403
    resp = web.get(f"/portal/lsrs/new?csr={req['id']}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "cannot read CSRs" in page
    assert "HIGH DESERT DENTAL PC" not in page and "884377" not in page
    assert 'id="partial-table"' not in page and "5415550301" not in page
    typed = web.post("/portal/lsrs/new", {"ccna": "BHW", "an": "884377", "csr_id": req["id"],
                                          "tns": "5415550300", "action": "lines"})
    assert typed.status_code == 200 and 'id="partial-table"' not in typed.get_data(as_text=True)
    table = web.post("/portal/lsrs/new", {"ccna": "BHW", "an": "884377", "tns": "5415550300",
                                          "pp-5415550300": "port", "action": "table"})
    assert "cannot read CSRs" in table.get_data(as_text=True)
    assert "5415550301" not in table.get_data(as_text=True)
    assert _reads(store) == []


def test_an_loa_download_names_the_account(client, heron, actors, cli, store):
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    actors.user("ace", partner="ACE")
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "ACE")[0] == 0
    agent = Api(client, actors.token("ace"))
    req = agent.post("/api/v1/csr-requests", {
        "tn": TN, "ccna": "BHW", "agauth": "Y",
        "loa": {"filename": "loa.pdf", "content_base64": base64.b64encode(PDF).decode()}}
    ).get_json()
    assert req["loa_id"]
    assert heron.get(f"/api/v1/loas/{req['loa_id']}").data == PDF
    [event] = [e for e in _reads(store) if e.action == "loa.viewed"]
    _names_user_account_time(event, "heron")


def test_the_staff_audit_view_shows_cpni_reads_filtered_by_account(heron, staff_web, store):
    req = _csr(heron)
    heron.get(f"/api/v1/csr-requests/{req['id']}")
    staff_web.get(f"/staff/accounts/{ACCOUNT}")
    page = staff_web.get(f"/staff/audit?account={ACCOUNT}&cpni=1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "csr.viewed" in text and "account.viewed" in text
    assert "heron" in text and "deskadmin" in text
    assert "csr.returned" not in text and "partner.created" not in text  # CPNI reads only
    other = staff_web.get("/staff/audit?account=999999&cpni=1").get_data(as_text=True)
    assert "csr.viewed" not in other and "No audit events" in other
    everything = staff_web.get("/staff/audit").get_data(as_text=True)
    assert "partner.created" in everything


def test_imported_passcodes_are_keyed_slow_hashes(app, cli, examples, store):
    from validators.passcode import passcode_matches

    stored = store.get(Account, ACCOUNT).passcode_hash
    # no field of it is the passcode (a substring test would trip on the random salt's hex)
    assert stored.startswith("scrypt-hmac$") and "7713" not in stored.split("$")
    assert not passcode_matches("7713", stored)  # the database alone cannot verify it
    from gateway.platform.passcodes import passcode_key

    assert passcode_matches("7713", stored, passcode_key(app.config).pepper)


def _lsr(**changes):
    return dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes)


def test_an_old_unkeyed_passcode_hash_verifies_and_is_rehashed_on_first_use(heron, store):
    from validators.passcode import legacy_hash_passcode

    account = store.get(Account, ACCOUNT)
    account.passcode_hash = legacy_hash_passcode("7713")
    store.commit()
    wrong = heron.post("/api/v1/lsrs", _lsr(pon="WRONGPC", passcode="9999")).get_json()
    assert [r["code"] for r in wrong["rejects"]] == ["R306"]
    store.expire_all()
    assert store.get(Account, ACCOUNT).passcode_hash.startswith("sha256$")  # not on a miss
    assert heron.post("/api/v1/lsrs/validate", _lsr()).status_code == 200  # a dry run: no
    store.expire_all()
    assert store.get(Account, ACCOUNT).passcode_hash.startswith("sha256$")
    order = heron.post("/api/v1/lsrs", _lsr()).get_json()
    assert order["status"] == "foc", order.get("rejects")
    store.expire_all()
    assert store.get(Account, ACCOUNT).passcode_hash.startswith("scrypt-hmac$")
