"""CSR requests in the portal: attestation evidence, rejects, downloads, agents (§3)."""
import csv
import io

import sqlalchemy as sa

from gateway.models import AuditEvent, CsrRequest, Loa
from gateway.services.csr import portal as portal_csr
from tests.conftest import DISTINCT_PASSCODE, Web

PDF = b"%PDF-1.4\n% end user LOA\n"


def _events(store, action):
    return store.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_csr_request_keeps_the_attestation_text_version_user_time_and_ip(client, heron,
                                                                        store,
                                                                        distinct_passcode):
    Web(client).login("heron")
    form = client.get("/portal/csr/new").get_data(as_text=True)
    assert portal_csr.TEXT.replace("'", "&#39;") in form and portal_csr.VERSION in form
    resp = client.post("/portal/csr/new", data={"tn": "(541) 555-0142", "ccna": "BHW",
                                                "attestation": "y"},
                       environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert resp.status_code == 302 and "/portal/csr/" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "LINDA NAKAMURA" in page and "Qualifies for a simple port" in page
    assert "A port-out passcode is required" in page and DISTINCT_PASSCODE not in page
    [evidence] = _events(store, "csr.attestation")
    assert evidence.details["text"] == portal_csr.TEXT
    assert evidence.details["version"] == portal_csr.VERSION
    assert evidence.details["user"] == "heron" and evidence.details["ip"] == "203.0.113.7"
    assert evidence.details["attested_at"].startswith("2026-11-23T18:00")
    assert len(_events(store, "csr.disclosed")) == 1
    req = store.scalar(sa.select(CsrRequest))
    assert req.channel == "portal" and req.agauth == "Y"


def test_csr_request_without_the_attestation_is_refused_and_records_nothing(client, heron,
                                                                           store):
    Web(client).login("heron")
    resp = client.post("/portal/csr/new", data={"tn": "5415550142", "ccna": "BHW"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "There is a problem" in page and "Tick the attestation" in page
    assert store.scalar(sa.select(sa.func.count()).select_from(CsrRequest)) == 0


def test_a_bad_tn_is_explained_and_records_nothing(client, heron, store):
    Web(client).login("heron")
    resp = client.post("/portal/csr/new", data={"tn": "555-0142", "ccna": "BHW",
                                                "attestation": "y"})
    assert resp.status_code == 422 and b"10-digit NANP" in resp.data
    assert store.scalar(sa.select(sa.func.count()).select_from(CsrRequest)) == 0


def test_rejected_csr_shows_each_code_with_its_remedy(client, heron):
    Web(client).login("heron")
    resp = client.post("/portal/csr/new", data={"tn": "5415550199", "ccna": "BHW",
                                                "attestation": "y"}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Rejected" in page and "R201" in page
    assert "Send the request to the provider that NPAC shows" in page
    assert "Download CSV" not in page and "Try again" in page


def test_csr_downloads_hold_the_record_and_are_audited(client, heron, store):
    csr = heron.post("/api/v1/csr-requests", {"tn": "5415550300", "agauth": "Y"}).get_json()
    Web(client).login("heron")
    resp = client.get(f"/portal/csr/{csr['id']}.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [(r["tn"], r["tn_status"]) for r in rows] == [
        ("5415550300", "working"), ("5415550301", "working"), ("5415550302", "disconnected")]
    assert {r["customer_name"] for r in rows} == {"HIGH DESERT DENTAL PC"}
    assert rows[0]["simple_port_eligible"] == "N" and rows[0]["zip"] == "97701"
    data = client.get(f"/portal/csr/{csr['id']}.json").get_json()
    assert data["csr"] == csr["csr"] and data["id"] == csr["id"]
    assert {e.details["format"] for e in _events(store, "csr.downloaded")} == {"csv",
                                                                                   "json"}
    page = client.get(f"/portal/csr/{csr['id']}").get_data(as_text=True)
    assert "Start an LSR from this CSR" in page and "data-print" in page


def test_agent_must_attach_an_loa_and_may_request_for_an_approving_carrier(client, heron,
                                                                          actors, cli,
                                                                          store):
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    actors.user("ace", partner="ACE")
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "ACE",
               "--privilege", "csr")[0] == 0
    Web(client).login("ace")
    form = client.get("/portal/csr/new").get_data(as_text=True)
    assert '<option value="BHW">' in form and "letter of authorization" in form
    resp = client.post("/portal/csr/new", data={"tn": "5415550142", "ccna": "BHW",
                                                "attestation": "y"})
    assert resp.status_code == 422 and b"R102" in resp.data
    assert store.scalar(sa.select(sa.func.count()).select_from(CsrRequest)) == 0
    resp = client.post("/portal/csr/new", data={
        "tn": "5415550142", "ccna": "BHW", "attestation": "y",
        "loa": (io.BytesIO(PDF), "loa.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 302
    req = store.scalar(sa.select(CsrRequest))
    assert req.status == "returned" and req.ccna == "BHW" and req.loa_id is not None
    assert store.get(Loa, req.loa_id).data == PDF
    client.post("/logout")
    Web(client).login("heron")  # the carrier sees the CSR its agent asked for
    assert client.get(f"/portal/csr/{req.id}").status_code == 200


def test_a_carrier_the_agent_has_no_approval_from_is_not_offered(client, heron, actors):
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    actors.user("ace", partner="ACE")
    Web(client).login("ace")
    resp = client.post("/portal/csr/new", data={"tn": "5415550142", "ccna": "BHW",
                                                "attestation": "y",
                                                "loa": (io.BytesIO(PDF), "loa.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422 and b"Not a valid choice" in resp.data
