"""Customer data (CPNI): passcodes, CSR disclosures, LOA files, the append-only audit trail
and its export (issue 8 §3)."""
from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import validators.passcode as passcode_module
from gateway import clock
from gateway.models import Account, AuditEvent, Delivery, Loa, LsrVersion, Notice
from gateway.services.identity import users
from gateway.services.identity.actors import CLI
from gateway.services.partners.directory import partner_by_ccna
from tests.conftest import PASSWORD, Api
from tests.security.world import (
    A_USER,
    B_USER,
    FRESH_TNS,
    NO_VIEW,
    PDF,
    STAFF,
    World,
    account_of,
    build_world,
    passcode_of,
    simple_port,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(app, client, cli, tmp_path):
    return build_world(app, client, cli, tmp_path)


def rows(world: World, query):
    with world.app.app_context(), world.session() as session:
        return session.execute(query).all()


def loa(data: bytes, name="loa.pdf") -> dict:
    return {"filename": name, "content_base64": base64.b64encode(data).decode()}


# --- passcodes ----------------------------------------------------------------------------
def test_passcodes_are_stored_salted_keyed_and_hashed(world):
    stored = dict(rows(world, sa.select(Account.account_number, Account.passcode_hash).where(
        Account.account_number.in_([account_of(0), account_of(1), "884201"]))))
    assert all(h.startswith("scrypt-hmac$") and len(h.split("$")) == 6 for h in stored.values())
    # no field is the passcode (a substring test would trip on the random salt's hex)
    assert passcode_of(0) not in stored[account_of(0)].split("$")
    assert "7713" not in stored["884201"].split("$")
    assert len({h.split("$")[4] for h in stored.values()}) == 3  # a salt per account


def test_passcode_is_compared_in_constant_time(world, monkeypatch):
    calls = []
    real = passcode_module.hmac.compare_digest
    monkeypatch.setattr(passcode_module.hmac, "compare_digest",
                        lambda a, b: calls.append((a, b)) or real(a, b))
    body = simple_port(FRESH_TNS[5], world.pon(), passcode="Wrong999")
    answer = world.api(A_USER).post("/api/v1/lsrs", body).get_json()
    assert [r["code"] for r in answer["rejects"]] == ["R306"]
    assert calls, "the passcode check must use hmac.compare_digest"


def test_no_answer_notice_or_audit_row_shows_a_passcode(world):
    a = world.api(A_USER)
    texts = [a.post("/api/v1/csr-requests", {"tn": FRESH_TNS[6], "agauth": "Y"}).get_data(True)]
    good = a.post("/api/v1/lsrs", simple_port(FRESH_TNS[6], world.pon()))
    bad = a.post("/api/v1/lsrs", simple_port(FRESH_TNS[7], world.pon(), passcode="Nope1234"))
    assert good.get_json()["status"] == "foc" and bad.get_json()["rejects"][0]["code"] == "R306"
    texts += [good.get_data(as_text=True), bad.get_data(as_text=True)]
    texts += [a.get(p).get_data(as_text=True) for p in (
        "/api/v1/lsrs", "/api/v1/csr-requests", f"/api/v1/lsrs/{good.get_json()['id']}")]
    texts.append(a.post("/api/v1/lsrs/validate",
                        simple_port(FRESH_TNS[8], world.pon())).get_data(as_text=True))
    texts += [world.page_client(k).get(p).get_data(as_text=True)
              for k, p in ((A_USER, "/portal/"), (STAFF, "/staff/"))]
    texts += [json.dumps(list(r), default=str) for r in rows(world, sa.select(
        Notice.subject, Notice.body, Notice.data))]
    texts += [json.dumps(list(r), default=str) for r in rows(world, sa.select(
        AuditEvent.before, AuditEvent.after, AuditEvent.details))]
    texts += [str(r) for r in rows(world, sa.select(Delivery.target, Delivery.last_error))]
    secrets = [passcode_of(n) for n in (6, 7, 8)]
    leaks = [(s, t[:120]) for t in texts for s in secrets if s in t]
    assert not leaks
    assert good.get_json()["status"] == "foc"  # the right passcode was accepted unseen


def test_csr_disclosure_is_audited_with_who_which_account_and_attestation(world):
    a = world.api(A_USER)
    csr = a.post("/api/v1/csr-requests", {"tn": FRESH_TNS[9], "agauth": "Y"}).get_json()
    assert csr["csr"]["passcode_required"] is True and "passcode" not in csr["csr"]
    refused = a.post("/api/v1/csr-requests", {"tn": FRESH_TNS[9], "agauth": "N"}).get_json()
    assert refused["status"] == "rejected" and refused["csr"] is None
    events = rows(world, sa.select(AuditEvent).where(AuditEvent.action == "csr.disclosed",
                                                     AuditEvent.object_id == account_of(9)))
    assert len(events) == 1
    event = events[0][0]
    assert event.actor == "a-user" and event.actor_user_id is not None
    assert event.object_type == "account" and event.details["csr_request"] == csr["id"]
    assert event.details["agauth"] == "Y" and "authorization" in event.details["attestation"]
    assert event.details["tn"] == FRESH_TNS[9] and event.details["ip"]


def test_staff_manual_csr_disclosure_is_audited_to_the_staff_member(world):
    resp = world.api(STAFF).post("/api/v1/staff/manual-csr-requests", {
        "partner_ccna": "BHW", "channel": "fax", "received_at": "2026-11-23T08:30:00-08:00",
        "request": {"tn": FRESH_TNS[4], "agauth": "Y"}})
    assert resp.status_code == 201 and resp.get_json()["status"] == "returned"
    (event,), = rows(world, sa.select(AuditEvent).where(
        AuditEvent.action == "csr.disclosed", AuditEvent.object_id == account_of(4)))
    assert event.actor == "desk" and event.details["channel"] == "fax"


# --- LOA files ------------------------------------------------------------------------------
@pytest.mark.parametrize("data, name", [
    (b"GIF89a\x01\x00\x01\x00", "loa.pdf"),                 # a GIF named .pdf
    (b"<html><script>alert(1)</script></html>", "loa.pdf"),  # HTML named .pdf
    (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "big.pdf"),   # 5 MiB + 9 bytes
])
def test_loa_is_checked_by_content_and_size(world, data, name):
    agent = world.api("agent")
    body = simple_port(world.fresh_tn(), world.pon(), loa=loa(data, name))
    answer = agent.post("/api/v1/lsrs", body).get_json()
    assert answer["status"] == "rejected" and "R102" in [r["code"] for r in answer["rejects"]]
    assert answer["loa_id"] is None
    assert rows(world, sa.select(sa.func.count()).select_from(Loa))[0][0] == 1  # the world's


def test_loa_is_served_to_its_partner_the_carrier_it_acted_for_and_staff(world):
    url = f"/api/v1/loas/{world.ids['loa_id']}"
    for kind in ("agent", A_USER, STAFF):
        resp = world.api(kind).get(url)
        assert resp.status_code == 200, kind
        assert resp.data == PDF and resp.mimetype == "application/pdf"
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert "linda-loa.pdf" in resp.headers["Content-Disposition"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in resp.headers["Cache-Control"]
    assert world.api(B_USER).get(url).status_code == 404
    # reading needs view, lsr or csr (the API's READ_* rule): a user with csr and lsr reads it
    assert world.api(NO_VIEW).get(url).status_code == 200
    assert world.api(A_USER).get("/api/v1/loas/999999").status_code == 404
    viewed = rows(world, sa.select(AuditEvent.actor).where(AuditEvent.action == "loa.viewed"))
    assert sorted(a for (a,) in viewed) == ["a-noview", "a-user", "agent", "desk"]


def test_an_agents_own_loa_is_not_served_to_the_carrier_it_did_not_act_for(world):
    body = simple_port(world.fresh_tn(), world.pon(), ccna="BHW", loa=loa(PDF))
    order = world.api("agent").post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "foc" and order["loa_id"]
    assert world.api(B_USER).get(f"/api/v1/loas/{order['loa_id']}").status_code == 404


# --- the audit trail ------------------------------------------------------------------------
def test_audit_trail_has_no_update_or_delete_path_in_the_code():
    offenders = []
    for path in (ROOT / "gateway").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("update(AuditEvent", "delete(AuditEvent", "AuditEvent).delete",
                       "AuditEvent).update", "UPDATE audit_events", "DELETE FROM audit_events"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not offenders


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'mallory'",
                                       "DELETE FROM audit_events"])
def test_database_refuses_to_change_the_audit_trail(world, statement):
    with world.app.app_context(), world.session() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with session.begin_nested():
                session.execute(sa.text(statement))
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.actor == "mallory")) == 0


def test_database_refuses_to_truncate_the_audit_trail(world):
    """PostgreSQL's TRUNCATE; SQLite's truncate optimization (DELETE without WHERE)."""
    with world.app.app_context(), world.session() as session:
        statement = {"postgresql": "TRUNCATE audit_events"}.get(
            session.bind.dialect.name, "DELETE FROM audit_events")
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with session.begin_nested():
                session.execute(sa.text(statement))


def test_the_orm_refuses_to_change_or_delete_an_audit_event(world):
    with world.app.app_context(), world.session() as session:
        event = session.scalar(sa.select(AuditEvent).limit(1))
        event.actor = "mallory"
        with pytest.raises(ValueError, match="append-only"):
            session.flush()
        session.rollback()
        session.delete(session.scalar(sa.select(AuditEvent).limit(1)))
        with pytest.raises(ValueError, match="append-only"):
            session.flush()
        session.rollback()


def test_staff_export_the_audit_trail_as_json_with_filters(world):
    desk = world.api(STAFF)
    everything = desk.get("/api/v1/staff/audit?per_page=200").get_json()
    assert everything["total"] >= 20 and everything["page"] == 1
    csr = desk.get("/api/v1/staff/audit?action=csr.*&partner=BHW").get_json()
    assert csr["total"] >= 2 and {e["action"][:4] for e in csr["items"]} == {"csr."}
    first = csr["items"][0]
    assert set(first) >= {"id", "at", "actor", "action", "object_type", "object_id", "details"}
    one = desk.get(f"/api/v1/staff/audit?object_type=lsr&object_id={world.ids['lsr_id']}"
                   "&actor=a-user").get_json()
    assert one["total"] >= 1 and all(e["object_id"] == str(world.ids["lsr_id"])
                                     for e in one["items"])
    lsr_total = desk.get("/api/v1/staff/audit?action=lsr.*").get_json()["total"]
    later = desk.get("/api/v1/staff/audit?since=2026-11-24").get_json()
    window = desk.get("/api/v1/staff/audit?action=lsr.*&since=2026-11-23T00:00:00%2B00:00"
                      "&until=2026-11-24").get_json()
    assert later["total"] == 0 and window["total"] == lsr_total > 0
    paged = desk.get("/api/v1/staff/audit?per_page=5&page=2").get_json()
    assert [e["id"] for e in paged["items"]] == [e["id"] for e in everything["items"][5:10]]


def test_audit_export_refuses_bad_filters(world):
    for query, status in (("since=yesterday", 400), ("since=2026-11-23T10:00", 400),
                          ("format=xml", 400), ("partner=ZZZ", 404), ("per_page=0", 400),
                          ("page=x", 400), ("action=%00", 400)):
        resp = world.api(STAFF).get(f"/api/v1/staff/audit?{query}")
        assert resp.status_code == status and resp.get_json()["error"]["code"], query


def test_staff_export_the_audit_trail_as_csv_and_the_export_is_audited(world):
    resp = world.api(STAFF).get("/api/v1/staff/audit?format=csv&action=lsr.*")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=portgate-audit-")
    table = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert table and all(r["action"].startswith("lsr.") for r in table)
    assert json.loads(table[0]["after"])["status"]
    exports = rows(world, sa.select(AuditEvent.actor, AuditEvent.details).where(
        AuditEvent.action == "audit.exported"))
    assert [(a, d["format"], d["filters"]) for a, d in exports] == \
        [("desk", "csv", {"action": "lsr.*"})]


def test_csv_export_defuses_spreadsheet_formulas(world):
    with world.app.app_context():  # a username a spreadsheet would run as a formula
        with world.session() as session, session.begin():
            user = users.add_user(session, username="-sum-1", email="sum@example.net",
                                  password=PASSWORD, role="partner_user",
                                  partner=partner_by_ccna(session, "BHW"), privileges=None,
                                  actor=CLI, now=clock.now())
            token = users.issue_token(session, user, actor=CLI, now=clock.now())[1]
    assert Api(world.client, token).post("/api/v1/csr-requests", {
        "tn": world.fresh_tn(), "agauth": "Y"}).status_code == 201
    resp = world.api(STAFF).get("/api/v1/staff/audit?format=csv&action=csr.*")
    table = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert any(row[2] == "'-sum-1" for row in table[1:])
    for row in table:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def test_partners_cannot_read_the_audit_trail(world):
    assert world.api(A_USER).get("/api/v1/staff/audit").status_code == 403
    assert world.api(None).get("/api/v1/staff/audit").status_code == 401
    versions = rows(world, sa.select(sa.func.count()).select_from(LsrVersion))
    assert versions[0][0] >= 2  # the world's orders exist; nothing above touched them
