"""notices.Outbox (issue 17) records what notices.emit records, in one INSERT per table
(PostgreSQL: both in one statement)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

from gateway import clock
from gateway.models import Delivery, Notice, Partner
from gateway.services.outbox import notices


def _deliveries(session, notice_id):
    return sorted((d.channel, d.target, d.status, d.attempts) for d in session.scalars(
        sa.select(Delivery).where(Delivery.notice_id == notice_id)))


def test_an_outbox_writes_the_notices_and_deliveries_emit_writes(app, heron, db_session):
    partner = db_session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    partner.webhook_url = "https://hooks.example.net/portgate"
    db_session.flush()
    now = clock.now()
    cases = [("lsr.foc", partner, None), ("enduser.port_notice", None, ["eu@example.net"]),
             ("lsr.rejected", partner, ["extra@example.net"]), ("lsr.note", None, None)]
    emitted = [notices.emit(db_session, kind, who, {"n": i}, now=now, subject=f"S{i}",
                            body=f"B{i}", emails=emails)
               for i, (kind, who, emails) in enumerate(cases)]
    db_session.flush()
    outbox = notices.Outbox()
    for i, (kind, who, emails) in enumerate(cases):
        outbox.add(db_session, kind, who, {"n": i}, now=now, subject=f"S{i}", body=f"B{i}",
                   emails=emails)
    inserts: list[str] = []
    conn = db_session.connection()
    listener = lambda *args: inserts.append(args[2].split("(")[0].strip())  # noqa: E731
    event.listen(conn, "before_cursor_execute", listener)
    outbox.write(db_session)
    event.remove(conn, "before_cursor_execute", listener)
    if conn.dialect.name == "postgresql":  # the deliveries' INSERT rides on the notices'
        assert inserts == ["WITH new_notices AS"]
    else:
        assert inserts == ["INSERT INTO notices", "INSERT INTO deliveries"]
    written = db_session.scalars(sa.select(Notice).where(
        Notice.id > emitted[-1].id).order_by(Notice.id)).all()
    assert [(n.event, n.partner_id, n.subject, n.body, n.data) for n in written] == [
        (n.event, n.partner_id, n.subject, n.body, n.data) for n in emitted]
    assert [_deliveries(db_session, n.id) for n in written] == [
        _deliveries(db_session, n.id) for n in emitted]
    assert _deliveries(db_session, written[0].id)  # the webhook at least: not trivially equal
    assert ("email", "eu@example.net", "pending", 0) in _deliveries(db_session, written[1].id)
