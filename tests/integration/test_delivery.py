"""Notices reach a real SMTP server and a real signed-webhook receiver on 127.0.0.1."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from gateway.models import Delivery, Partner, User
from gateway.services.identity.actors import Actor
from gateway.services.partners.contacts import set_user_contact_types
from tests.conftest import EXAMPLES, set_now

SECRET = "whsec-test"


class Receiver:
    """An HTTP receiver that fails the first `fail` requests with 500."""

    def __init__(self, fail=0):
        self.fail, self.requests = fail, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = 500 if len(receiver.requests) <= receiver.fail else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(fail=0):
        made.append(Receiver(fail))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture(autouse=True)
def _loopback_receivers(app):
    """These receivers listen on 127.0.0.1: allow private webhook addresses (api-contract §1)."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True


def _foc(app, heron, cli, db_session, url):
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", url, "--secret", SECRET)[0] == 0
    user = db_session.scalar(sa.select(User).where(User.username == "heron"))
    set_user_contact_types(db_session, user, ["foc", "reject"], actor=Actor(None, "t"),
                           now=user.created_at)
    db_session.commit()
    lsr = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    return heron.post("/api/v1/lsrs", lsr).get_json()


def test_foc_reaches_smtp_and_a_signed_webhook_in_one_run(app, heron, cli, db_session, smtp,
                                                         receiver):
    hook = receiver()
    app.config["SMTP_URL"] = smtp.url
    order = _foc(app, heron, cli, db_session, hook.url)
    code, out = cli("deliver")
    assert code == 0, out
    assert any("heron@example.net" in rcpt for rcpt, _ in smtp.messages)
    assert any("linda.n@example.net" in rcpt for rcpt, _ in smtp.messages)  # end user (§10.2)
    foc_hooks = [(h, b) for h, b in hook.requests if h["X-Portgate-Event"] == "lsr.foc"]
    assert len(foc_hooks) == 1
    headers, body = foc_hooks[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Portgate-Signature"] == expected
    payload = json.loads(body)
    assert payload["id"] == headers["X-Portgate-Delivery"] and payload["event"] == "lsr.foc"
    assert payload["data"]["id"] == order["id"] and payload["data"]["status"] == "foc"


def test_failing_receiver_gets_the_same_delivery_id_on_each_retry(app, heron, cli, db_session,
                                                                  receiver):
    hook = receiver(fail=2)
    _foc(app, heron, cli, db_session, hook.url)
    times = ["2026-11-23T10:00:00-08:00", "2026-11-23T10:01:00-08:00",
             "2026-11-23T10:06:00-08:00"]
    for moment in times:
        set_now(app, moment)
        assert cli("deliver")[0] == 0
    ids = [h["X-Portgate-Delivery"] for h, _ in hook.requests]
    assert len(ids) == 3 and len(set(ids)) == 1
    assert db_session.scalar(sa.select(Delivery.status).where(
        Delivery.delivery_id == ids[0])) == "sent"


def test_delivery_is_dead_lettered_after_the_sixth_failure(app, heron, cli, db_session, receiver):
    hook = receiver(fail=100)
    _foc(app, heron, cli, db_session, hook.url)
    for moment in ("2026-11-23T10:00:00-08:00", "2026-11-23T10:01:00-08:00",
                   "2026-11-23T10:06:00-08:00", "2026-11-23T10:36:00-08:00",
                   "2026-11-23T12:36:00-08:00", "2026-11-24T00:36:00-08:00",
                   "2026-11-25T00:36:00-08:00"):
        set_now(app, moment)
        assert cli("deliver")[0] == 0
    assert len(hook.requests) == 6
    statuses = set(db_session.scalars(sa.select(Delivery.status).where(
        Delivery.channel == "webhook")))
    assert statuses == {"dead"}


def test_retry_waits_for_its_back_off(app, heron, cli, db_session, receiver):
    hook = receiver(fail=1)
    _foc(app, heron, cli, db_session, hook.url)
    cli("deliver")
    set_now(app, "2026-11-23T10:00:30-08:00")
    cli("deliver")
    assert len(hook.requests) == 1
    set_now(app, "2026-11-23T10:01:00-08:00")
    cli("deliver")
    assert len(hook.requests) == 2


def test_notices_from_before_the_webhook_was_set_are_not_sent_to_it(app, heron, cli, receiver):
    heron.post("/api/v1/lsrs", json.loads((EXAMPLES / "lsr-simple-port.json").read_text()))
    hook = receiver()
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", hook.url,
               "--secret", SECRET)[0] == 0
    cli("deliver")
    assert hook.requests == []


def test_emails_stay_in_the_outbox_without_smtp(app, heron, cli, db_session):
    heron.post("/api/v1/lsrs", json.loads((EXAMPLES / "lsr-simple-port.json").read_text()))
    assert cli("deliver")[0] == 0
    pending = db_session.scalars(sa.select(Delivery).where(Delivery.channel == "email")).all()
    assert pending and {d.status for d in pending} == {"pending"}
    assert db_session.scalar(sa.select(Partner.webhook_url)) is None


def test_a_crash_between_send_and_mark_resends_with_the_same_delivery_id(
        app, heron, cli, db_session, receiver, monkeypatch):
    from gateway.services.outbox import delivery as delivery_svc

    hook = receiver()
    _foc(app, heron, cli, db_session, hook.url)
    real_send = delivery_svc.send_webhook

    def send_then_die(row, target, secret, timeout=10.0, **kwargs):
        real_send(row, target, secret, timeout, **kwargs)
        raise KeyboardInterrupt("the worker died before marking the delivery sent")

    monkeypatch.setattr(delivery_svc, "send_webhook", send_then_die)
    assert cli("deliver")[0] != 0
    monkeypatch.setattr(delivery_svc, "send_webhook", real_send)
    assert cli("deliver")[0] == 0  # the dead worker's lease still holds the delivery
    assert len(hook.requests) == 1
    set_now(app, "2026-11-23T10:03:00-08:00")  # lease (2 minutes) over: another try
    assert cli("deliver")[0] == 0
    ids = [h["X-Portgate-Delivery"] for h, _ in hook.requests]
    assert len(ids) == 2 and len(set(ids)) == 1
    assert db_session.scalar(sa.select(Delivery.status).where(
        Delivery.delivery_id == ids[0])) == "sent"


def test_staff_resend_a_dead_letter_with_the_same_delivery_id(app, heron, cli, db_session,
                                                               receiver):
    from gateway.services.outbox.delivery import resend

    hook = receiver(fail=6)
    _foc(app, heron, cli, db_session, hook.url)
    for moment in ("2026-11-23T10:00:00-08:00", "2026-11-23T10:01:00-08:00",
                   "2026-11-23T10:06:00-08:00", "2026-11-23T10:36:00-08:00",
                   "2026-11-23T12:36:00-08:00", "2026-11-24T00:36:00-08:00"):
        set_now(app, moment)
        cli("deliver")
    dead = db_session.scalar(sa.select(Delivery).where(Delivery.channel == "webhook"))
    assert dead.status == "dead" and dead.attempts == 6
    resend(db_session, dead, now=dead.next_attempt_at, actor=Actor(None, "desk", role="staff"))
    db_session.commit()
    assert cli("deliver")[0] == 0
    ids = {h["X-Portgate-Delivery"] for h, _ in hook.requests}
    assert len(hook.requests) == 7 and ids == {dead.delivery_id}
    db_session.expire_all()
    assert db_session.get(Delivery, dead.id).status == "sent"
    from gateway.models import AuditEvent
    assert db_session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "delivery")) == "delivery.resent"
