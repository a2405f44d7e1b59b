"""Escalations for the desk (business-rules §8.2): acknowledge, resolve, and the contacts."""
import json

import sqlalchemy as sa

from gateway.models import AuditEvent, Escalation, EscalationContact, Notice
from tests.conftest import EXAMPLES, Web


def escalate(heron, reason="foc_overdue"):
    order = heron.post("/api/v1/lsrs", dict(json.loads(
        (EXAMPLES / "lsr-simple-port.json").read_text()), ddd="2026-11-23", exp="Y")).get_json()
    return heron.post(f"/api/v1/lsrs/{order['id']}/escalations",
                      {"reason": reason, "text": "No FOC yet"}).get_json()["id"]


def test_the_list_shows_open_escalations_with_their_contact_and_due_time(heron, staff_web):
    esc = escalate(heron)
    page = staff_web.get("/staff/escalations").get_data(as_text=True)
    assert f'id="esc-{esc}"' in page and "foc overdue" in page and "LNP Desk" in page
    assert "Acknowledge by" in page and "No FOC yet" in page


def test_staff_acknowledge_an_escalation_audited_and_notified(heron, staff_web, store):
    esc = escalate(heron)
    resp = staff_web.post(f"/staff/escalations/{esc}/acknowledge", follow_redirects=True)
    assert f"Escalation {esc} acknowledged" in resp.get_data(as_text=True)
    row = store.get(Escalation, esc)
    assert row.acknowledged_at is not None and row.resolved_at is None
    assert store.scalar(sa.select(AuditEvent.actor).where(
        AuditEvent.action == "escalation.acknowledged")) == "deskadmin"
    assert store.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        Notice.event == "escalation.acknowledged")) == 1
    again = staff_web.post(f"/staff/escalations/{esc}/acknowledge", follow_redirects=True)
    assert "already acknowledged" in again.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "escalation.acknowledged")) == 1


def test_resolving_needs_a_resolution_and_then_closes_it(heron, staff_web, store):
    esc = escalate(heron)
    empty = staff_web.post(f"/staff/escalations/{esc}/resolve", {"resolution": " "},
                           follow_redirects=True)
    assert "Say how the escalation was resolved." in empty.get_data(as_text=True)
    assert store.get(Escalation, esc).resolved_at is None
    staff_web.post(f"/staff/escalations/{esc}/resolve", {"resolution": "FOC issued for 11-24"})
    store.expire_all()
    row = store.get(Escalation, esc)
    assert row.resolved_at is not None and row.resolution == "FOC issued for 11-24"
    assert row.acknowledged_at is not None
    assert "FOC issued for 11-24" in staff_web.get("/staff/escalations?show=resolved").get_data(
        as_text=True)
    assert f'id="esc-{esc}"' not in staff_web.get("/staff/escalations").get_data(as_text=True)
    again = staff_web.post(f"/staff/escalations/{esc}/resolve", {"resolution": "again"},
                           follow_redirects=True)
    assert "already resolved" in again.get_data(as_text=True)


def test_unknown_escalation_is_refused(staff_web):
    resp = staff_web.post("/staff/escalations/999/acknowledge", follow_redirects=True)
    assert "No escalation 999." in resp.get_data(as_text=True)


def test_contacts_editor_adds_the_next_level_and_changes_one(heron, staff_web, store):
    page = staff_web.get("/staff/escalation-contacts?state=OR").get_data(as_text=True)
    assert "Dana Whitfield" in page and 'value="4"' in page  # the next level is offered
    resp = staff_web.post("/staff/escalation-contacts", {
        "state": "OR", "level": "4", "name": "Mia Chen", "title": "VP wholesale",
        "email": "mia@cascade.example", "phone": "(541) 555-0903", "hours": "on call"})
    assert resp.status_code == 302
    mia = store.scalar(sa.select(EscalationContact).where(EscalationContact.level == 4))
    assert mia.phone == "5415550903" and mia.state == "OR"
    staff_web.post("/staff/escalation-contacts", {
        "state": "OR", "level": "2", "name": "Dana Whitfield", "title": "LNP manager",
        "email": "dana.whitfield@cascade.example", "phone": "5415550901", "hours": "08-17"})
    store.expire_all()
    assert store.scalar(sa.select(EscalationContact.title).where(
        EscalationContact.state == "OR", EscalationContact.level == 2)) == "LNP manager"
    assert store.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "escalation_contact.saved")) == 2
    levels = heron.get("/api/v1/escalation-contacts?state=OR").get_json()["levels"]
    assert [lv["level"] for lv in levels] == [1, 2, 3, 4]


def test_a_gap_in_the_ladder_or_a_bad_contact_is_refused(heron, staff_web, store):
    contact = {"state": "WA", "name": "Sam", "title": "", "email": "sam@cascade.example",
               "phone": "2065550100", "hours": "08-17"}
    gap = staff_web.post("/staff/escalation-contacts", {**contact, "level": "2"})
    assert gap.status_code == 422 and "add level 1 next" in gap.get_data(as_text=True)
    bad = staff_web.post("/staff/escalation-contacts", {**contact, "level": "1",
                                                        "email": "not-an-email"})
    assert bad.status_code == 422 and "is not an email address" in bad.get_data(as_text=True)
    phone = staff_web.post("/staff/escalation-contacts", {**contact, "level": "1",
                                                          "phone": "555"})
    assert phone.status_code == 422 and "10-digit" in phone.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(EscalationContact).where(
        EscalationContact.state == "WA")) == 0


def test_only_the_top_level_can_be_removed_and_not_while_escalations_wait(heron, staff_web,
                                                                          store):
    ids = {c.level: c.id for c in store.scalars(sa.select(EscalationContact).where(
        EscalationContact.state == "OR"))}
    middle = staff_web.post(f"/staff/escalation-contacts/{ids[2]}/remove", follow_redirects=True)
    assert "Only the top level of OR (level 3)" in middle.get_data(as_text=True)
    esc = escalate(heron)
    store.execute(sa.update(Escalation).where(Escalation.id == esc).values(level=3))
    store.commit()
    busy = staff_web.post(f"/staff/escalation-contacts/{ids[3]}/remove", follow_redirects=True)
    assert "1 open escalation(s) sit at level 3" in busy.get_data(as_text=True)
    staff_web.post(f"/staff/escalations/{esc}/resolve", {"resolution": "done"})
    ok = staff_web.post(f"/staff/escalation-contacts/{ids[3]}/remove", follow_redirects=True)
    assert "Escalation level removed." in ok.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.max(EscalationContact.level)).where(
        EscalationContact.state == "OR")) == 2


def test_csv_import_replaces_the_states_in_the_file(heron, staff_web, store):
    from io import BytesIO

    csv = (b"state,level,name,title,email,phone,hours\n"
           b"MT,1,Montana Desk,Manual desk,mt@cascade.example,4065550900,Mon-Fri 08-17 MT\n"
           b"OR,1,New Desk,Port-out desk,desk@cascade.example,5415550999,24x7\n")
    resp = staff_web.post("/staff/escalation-contacts/import",
                          {"file": (BytesIO(csv), "contacts.csv")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "Imported 2 escalation contacts from contacts.csv." in resp.get_data(as_text=True)
    assert [c.name for c in store.scalars(sa.select(EscalationContact).where(
        EscalationContact.state == "OR"))] == ["New Desk"]
    assert store.scalar(sa.select(AuditEvent.details).where(
        AuditEvent.action == "escalation_contacts.imported"))["rows"] == 2


def test_a_bad_csv_names_the_row_and_imports_nothing(heron, staff_web, store):
    from io import BytesIO

    csv = (b"state,level,name,title,email,phone,hours\n"
           b"OR,1,New Desk,Port-out desk,desk@cascade.example,5415550999,24x7\n"
           b"TX,1,Texas,Desk,tx@cascade.example,5125550100,24x7\n")
    resp = staff_web.post("/staff/escalation-contacts/import",
                          {"file": (BytesIO(csv), "contacts.csv")},
                          content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "contacts.csv: row 3, column state" in page and "nothing imported" in page
    assert "/tmp" not in page
    assert store.scalar(sa.select(sa.func.count()).select_from(EscalationContact).where(
        EscalationContact.state == "OR")) == 3
    binary = staff_web.post("/staff/escalation-contacts/import",
                            {"file": (BytesIO(b"\xff\xfe\x00bad"), "x.csv")},
                            content_type="multipart/form-data")
    assert binary.status_code == 422 and "nothing imported" in binary.get_data(as_text=True)


def test_plain_staff_acknowledge_but_do_not_edit_contacts(heron, client, actors):
    esc = escalate(heron)
    actors.user("worker", role="staff", partner=None)
    web = Web(client)
    web.login("worker")
    assert web.post(f"/staff/escalations/{esc}/acknowledge").status_code == 302
    assert web.post("/staff/escalation-contacts", {"state": "OR"}).status_code == 403
