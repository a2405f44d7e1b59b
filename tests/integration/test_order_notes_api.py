"""Notes on an order through the API (business-rules §13.1, api-contract §4.2.2), on SQLite and
PostgreSQL: the desk asks for the LOA, the partner sees awaiting_partner, answers with a PDF,
the desk reads it."""
import base64
import json

import pytest
import sqlalchemy as sa

from gateway.models import AuditEvent, Delivery, Notice, OrderNote
from tests.conftest import EXAMPLES, Api

PDF = b"%PDF-1.4\n% the end user's signed LOA\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _simple_order(heron) -> dict:
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    order = heron.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "foc" and order["awaiting_partner"] is False
    return order


def _file(data: bytes, name: str = "loa.pdf") -> dict:
    return {"filename": name, "content_base64": base64.b64encode(data).decode()}


def _queue(desk) -> list[tuple]:
    return [(i["kind"], i["id"], i["reason"]) for i in desk.get("/api/v1/staff/queue")
            .get_json()["items"]]


def test_desk_asks_for_the_loa_partner_answers_with_a_pdf_and_desk_reads_it(
        app, heron, desk, db_session):
    order = _simple_order(heron)
    notes_url = f"/api/v1/lsrs/{order['id']}/notes"

    asked = desk.post(notes_url, {"text": "Please send the end user's signed LOA.",
                                  "request_info": True})
    assert asked.status_code == 201, asked.get_json()
    note = asked.get_json()
    assert note["author"]["kind"] == "staff" and note["author"]["name"] == "desk"
    assert note["request_info"] is True and note["attachment"] is None
    assert note["at"] == "2026-11-23T18:00:00+00:00"

    # the partner sees awaiting_partner on the order and in its lists; nothing for the desk yet
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["awaiting_partner"] is True
    listed = heron.get("/api/v1/lsrs").get_json()["items"]
    assert [o["awaiting_partner"] for o in listed] == [True]
    assert ("note", order["id"], "note") not in _queue(desk)

    answer = heron.post(notes_url, {"text": "Signed LOA attached.", "attachment": _file(PDF)})
    assert answer.status_code == 201, answer.get_json()
    reply = answer.get_json()
    assert reply["author"] == {"kind": "partner", "name": "heron"}
    assert reply["attachment"]["filename"] == "loa.pdf"
    assert reply["attachment"]["url"] == f"{notes_url}/{reply['id']}/attachment"

    # answered: no longer awaiting the partner; the note waits for the desk in its queue
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["awaiting_partner"] is False
    assert ("note", order["id"], "note") in _queue(desk)
    item = next(i for i in desk.get("/api/v1/staff/queue").get_json()["items"]
                if i["kind"] == "note")
    assert item["due_at"] == "2026-11-23T22:00:00+00:00"  # 4 business hours later (Bend, PT)

    thread = desk.get(notes_url).get_json()["items"]
    assert [(n["author"]["kind"], n["request_info"]) for n in thread] == \
        [("staff", True), ("partner", False)]  # oldest first
    served = desk.get(reply["attachment"]["url"])
    assert served.status_code == 200 and served.data == PDF
    assert served.mimetype == "application/pdf"
    assert heron.get(reply["attachment"]["url"]).data == PDF  # the partner may read it too

    assert desk.post(notes_url, {"text": "Thank you, LOA on file."}).status_code == 201
    assert ("note", order["id"], "note") not in _queue(desk)  # the desk answered

    db_session.expire_all()
    audited = db_session.scalars(sa.select(AuditEvent.actor).where(
        AuditEvent.action == "lsr.note").order_by(AuditEvent.id)).all()
    assert audited == ["desk", "heron", "desk"]
    events = db_session.execute(sa.select(Notice.event, Notice.partner_id).where(
        Notice.event == "lsr.note").order_by(Notice.id)).all()
    assert [p is not None for _, p in events] == [True, False, True]  # partner, desk, partner


def test_note_notice_to_the_partner_carries_the_order_and_the_note_to_its_webhook(
        app, heron, desk, cli, db_session, fake_dns):
    fake_dns["hooks.example"] = ["93.184.215.14"]  # a global address (webhook rules, §5)
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", "https://hooks.example/pg",
               "--secret", "s3cret-s3cret")[0] == 0
    order = _simple_order(heron)
    note = desk.post(f"/api/v1/lsrs/{order['id']}/notes",
                     {"text": "Is the cut still on?"}).get_json()
    db_session.expire_all()
    notice = db_session.scalars(sa.select(Notice).where(Notice.event == "lsr.note")).one()
    assert notice.data["note"] == note and notice.data["lsr"]["id"] == order["id"]
    channels = {d.channel for d in db_session.scalars(sa.select(Delivery).where(
        Delivery.notice_id == notice.id))}
    assert "webhook" in channels


@pytest.mark.parametrize("body, code", [
    ({"text": ""}, "bad_request"),
    ({"text": "   "}, "bad_request"),
    ({"text": "x" * 2001}, "bad_request"),
    ({}, "bad_request"),
    ({"text": "see file", "attachment": _file(b"MZ\x90\x00 not a document", "loa.pdf")},
     "bad_attachment"),
    ({"text": "see file", "attachment": _file(PDF + b"\x00" * (5 * 1024 * 1024), "big.pdf")},
     "bad_attachment"),
    ({"text": "see file", "attachment": {"filename": "x.pdf", "content_base64": "%%%"}},
     "bad_attachment"),
])
def test_bad_note_is_refused_400_and_records_nothing(heron, db_session, body, code):
    order = _simple_order(heron)
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/notes", body)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OrderNote)) == 0


def test_png_attachment_and_2000_characters_are_accepted(heron):
    order = _simple_order(heron)
    resp = heron.post(f"/api/v1/lsrs/{order['id']}/notes",
                      {"text": "y" * 2000, "attachment": _file(PNG, "bill.png")})
    assert resp.status_code == 201
    assert resp.get_json()["attachment"]["filename"] == "bill.png"


def test_partner_cannot_ask_for_information(heron, desk):
    order = _simple_order(heron)
    note = heron.post(f"/api/v1/lsrs/{order['id']}/notes",
                      {"text": "FYI", "request_info": True}).get_json()
    assert note["request_info"] is False
    assert heron.get(f"/api/v1/lsrs/{order['id']}").get_json()["awaiting_partner"] is False
    # a note on an FOC order nobody asked about does not queue for the desk (§13.1)
    assert ("note", order["id"], "note") not in _queue(desk)


def test_partner_note_on_an_order_awaiting_staff_queues_for_the_desk(heron, desk):
    body = dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()),
                ddd="2026-11-23", exp="Y")
    order = heron.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "manual_review"
    heron.post(f"/api/v1/lsrs/{order['id']}/notes", {"text": "Customer moves on Tuesday."})
    assert ("note", order["id"], "note") in _queue(desk)
    assert ("lsr", order["id"], "expedite") in _queue(desk)


def test_partner_note_on_a_held_order_queues_for_the_desk(client, heron, desk, db_session):
    """A held order awaits the desk's release or cancel (§11.2): a partner's note on it waits
    for the desk's answer in the queue (§13.1), after the held order itself."""
    order = _simple_order(heron)
    db_session.expire_all()
    body = db_session.scalars(sa.select(Notice.body).where(
        Notice.event == "enduser.port_notice", Notice.lsr_id == order["id"])).one()
    link = body[body.index("/stop/"):].split()[0]
    assert client.post(link, data={"confirm": "yes"}).status_code == 200
    heron.post(f"/api/v1/lsrs/{order['id']}/notes",
               {"text": "The end user did ask; the signed LOA follows."})
    assert _queue(desk) == [("lsr", order["id"], "dispute"), ("note", order["id"], "note")]
    desk.post(f"/api/v1/lsrs/{order['id']}/notes", {"text": "Thanks, we are calling them."})
    assert _queue(desk) == [("lsr", order["id"], "dispute")]


def test_notes_privileges_view_reads_lsr_writes_others_get_404(client, heron, actors, desk):
    order = _simple_order(heron)
    url = f"/api/v1/lsrs/{order['id']}/notes"
    note = desk.post(url, {"text": "LOA please", "request_info": True,
                           "attachment": _file(PDF)}).get_json()
    actors.user("viewer", privileges=["view"])
    viewer = Api(client, actors.token("viewer"))
    assert viewer.get(url).status_code == 200
    assert viewer.get(note["attachment"]["url"]).status_code == 200
    assert viewer.post(url, {"text": "hello"}).status_code == 403
    actors.user("csronly", privileges=["csr"])
    csr_only = Api(client, actors.token("csronly"))
    assert csr_only.get(url).status_code == 403
    actors.partner(ccna="SWC", name="Swift Cell", spids=("SW01",))
    actors.user("swift", partner="SWC")
    other = Api(client, actors.token("swift"))
    for resp in (other.get(url), other.post(url, {"text": "peek"}),
                 other.get(note["attachment"]["url"])):
        assert resp.status_code == 404
    assert heron.get(f"{url}/999999/attachment").status_code == 404


def test_escalation_carries_the_partners_ticket_and_problem_start(heron, desk):
    order = _simple_order(heron)
    url = f"/api/v1/lsrs/{order['id']}/escalations"
    raised = heron.post(url, {"reason": "port_day_problem", "text": "No dial tone",
                              "partner_ticket": "BH-99812",
                              "problem_started_at": "2026-11-23T09:15:00-08:00"})
    assert raised.status_code == 201, raised.get_json()
    assert raised.get_json()["partner_ticket"] == "BH-99812"
    assert raised.get_json()["problem_started_at"] == "2026-11-23T17:15:00+00:00"
    listed = heron.get(url).get_json()["items"][0]
    assert (listed["partner_ticket"], listed["problem_started_at"]) == \
        ("BH-99812", "2026-11-23T17:15:00+00:00")
    later = heron.post(url, {"reason": "port_day_problem", "text": "x",
                             "problem_started_at": "2026-11-24T09:15:00-08:00"})
    assert later.status_code == 400
    naive = heron.post(url, {"reason": "port_day_problem", "text": "x",
                             "problem_started_at": "2026-11-23T09:15:00"})
    assert naive.status_code == 400


def test_agent_notes_its_own_order_while_approved_then_it_is_404(
        client, heron, desk, actors, cli, db_session):
    actors.partner(ccna="AGX", name="Port Agents Inc", spids=(), type="agent")
    actors.user("agent", partner="AGX")
    agent = Api(client, actors.token("agent"))
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    body = dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), pon="AGENTNOTE",
                loa=_file(PDF))
    order = agent.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "foc", order["rejects"]
    url = f"/api/v1/lsrs/{order['id']}/notes"
    desk.post(url, {"text": "Which end user signed the LOA?", "request_info": True})
    db_session.expire_all()
    told = {p for (p,) in db_session.execute(sa.select(Notice.partner_id).where(
        Notice.event == "lsr.note"))}
    assert len(told) == 2  # the carrier and its agent (§10.3)
    assert agent.post(url, {"text": "Linda Nakamura herself."}).status_code == 201
    assert [n["author"]["name"] for n in heron.get(url).get_json()["items"]] == \
        ["desk", "agent"]  # the carrier reads its agent's conversation
    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    assert agent.get(url).status_code == 404
    assert agent.post(url, {"text": "still there?"}).status_code == 404
