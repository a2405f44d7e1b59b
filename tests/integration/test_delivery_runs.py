"""A `deliver` run, and a worker round, send every notice that is due (api-contract §2), and
no text in a notice or a partner's webhook address can make a delivery fail for good or a run
crash (business-rules §10.1, api-contract §1, §5)."""
import pytest
import sqlalchemy as sa

from gateway.models import Delivery
from tests.integration.test_webhook_addresses import Receiver

SECRET = "whsec-probe-123456"


@pytest.fixture
def hook(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the receiver listens on 127.0.0.1
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _csr_notices(heron, cli, url, batches=3):
    """100 csr.returned webhook notices a batch."""
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", url, "--secret", SECRET)[0] == 0
    for _ in range(batches):
        resp = heron.post("/api/v1/csr-batches",
                          {"requests": [{"tn": "5415550142", "agauth": "Y"}] * 100})
        assert resp.status_code == 201, resp.get_json()


def _webhooks(store, status):
    store.expire_all()
    return store.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
        Delivery.channel == "webhook", Delivery.status == status))


@pytest.mark.parametrize("command", [("deliver",), ("work", "--once")])
def test_one_run_delivers_more_than_one_chunk(heron, cli, store, hook, command):
    _csr_notices(heron, cli, hook.url)
    assert _webhooks(store, "pending") == 300
    code, out = cli(*command)
    assert code == 0, out
    assert "sent 300" in out
    events = [headers["X-Portgate-Event"] for headers, _ in hook.requests]
    assert len(events) == 300 and set(events) == {"csr.returned"}
    assert _webhooks(store, "pending") == 0 and _webhooks(store, "sent") == 300


def _deliver(app, limit):
    from gateway import clock, db
    from gateway.services.outbox.delivery import deliver

    with app.app_context():
        return deliver(db.database().sessionmaker, now=clock.now, smtp_url=None,
                       sender="portgate@example.com", limit=limit, allow_private=True)


def test_a_run_in_small_chunks_ends_when_nothing_is_due(app, heron, cli, store, hook):
    _csr_notices(heron, cli, hook.url, batches=1)
    report = _deliver(app, limit=7)
    assert report.sent == 100 and report.failed == report.dead == report.skipped == 0
    assert len(hook.requests) == 100 and _webhooks(store, "pending") == 0


def test_a_failing_receiver_is_tried_once_per_run(app, heron, cli, store):
    """Failed tries wait for their back-off: the run ends, it does not retry them at once."""
    import socket

    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    _csr_notices(heron, cli, f"http://127.0.0.1:{closed}/hooks", batches=1)
    report = _deliver(app, limit=7)
    assert (report.sent, report.failed, report.dead) == (0, 100, 0)
    store.expire_all()
    assert set(store.scalars(sa.select(Delivery.attempts).where(
        Delivery.channel == "webhook"))) == {1}


def test_a_run_stops_when_a_chunk_makes_no_progress(app, monkeypatch):
    """The safety bound: a claim whose every delivery is gone or another worker's ends the run
    (no spinning on the same rows)."""
    from gateway.services.outbox import delivery

    calls = []
    monkeypatch.setattr(delivery, "claim", lambda *a, **kw: calls.append(1) or [987654321])
    report = _deliver(app, limit=200)
    assert len(calls) == 1 and report.skipped == 1 and report.sent == 0


# an internationalised host name goes on the wire in its IDNA form (api-contract §5)
IDN, PUNYCODE = "bücher.example", "xn--bcher-kva.example"


def _boss(client, actors):
    from tests.conftest import Web

    actors.user("boss", role="partner_admin")
    web = Web(client)
    web.login("boss")
    return web


def _foc(heron):
    import json

    from tests.conftest import EXAMPLES

    order = heron.post("/api/v1/lsrs", json.loads((EXAMPLES / "lsr-simple-port.json")
                                                  .read_text())).get_json()
    assert order["status"] == "foc"


def test_a_webhook_on_an_idn_host_is_tested_and_delivered_in_its_idna_form(
        app, client, heron, actors, cli, store, hook, fake_dns):
    fake_dns[IDN] = ["127.0.0.1"]
    code, out = cli("partner", "webhook", "--ccna", "BHW", "--url",
                    f"http://{IDN}:{hook.port}/hooks", "--secret", SECRET)
    assert code == 0, out
    boss = _boss(client, actors)
    resp = boss.post("/admin/webhook/test")
    assert resp.status_code == 302
    page = boss.get("/admin/webhook").get_data(as_text=True)
    assert "your webhook answered HTTP 204" in page
    _foc(heron)
    code, out = cli("deliver")
    assert code == 0, out
    assert [h["X-Portgate-Event"] for h, _ in hook.requests] == ["webhook.test", "lsr.foc"]
    assert {h["Host"] for h, _ in hook.requests} == {f"{PUNYCODE}:{hook.port}"}
    assert _webhooks(store, "sent") == 1


def test_https_to_an_idn_host_names_it_in_idna_form_for_tls(monkeypatch):
    from gateway.services.outbox import delivery
    from gateway.services.outbox.webhook_target import check_url

    target = check_url(f"https://{IDN}/hooks", allow_private=True, https_only=True)
    assert target.host == PUNYCODE and target.host_header == PUNYCODE
    seen = {}

    def post(self, url, **kw):
        seen.update(kw)
        raise delivery.WebhookFailed("HTTP 503")

    import httpx

    monkeypatch.setattr(httpx.Client, "post", post)
    row = delivery.Delivery(delivery_id="d-1", notice=delivery.Notice(
        event="lsr.foc", created_at=delivery.datetime(2026, 11, 23), data={}))
    with pytest.raises(delivery.WebhookFailed):
        delivery.send_webhook(row, target, SECRET)
    assert seen["headers"]["Host"] == PUNYCODE
    assert seen["extensions"] == {"sni_hostname": PUNYCODE}


@pytest.mark.parametrize("host", ["☃.example", "bücher..example", "x" * 64 + "ü.example"])
def test_a_host_with_no_idna_form_is_refused_when_set(app, client, actors, cli, store, host):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    actors.partner()
    code, out = cli("partner", "webhook", "--ccna", "BHW", "--url", f"http://{host}/hooks",
                    "--secret", SECRET)
    assert code != 0 and "is not a valid domain name" in out
    boss = _boss(client, actors)
    resp = boss.post("/admin/webhook", {"url": f"http://{host}/hooks", "secret": SECRET})
    assert resp.status_code in (400, 422)
    assert "is not a valid domain name" in resp.get_data(as_text=True)
    store.expire_all()
    from gateway.models import Partner

    assert store.scalar(sa.select(Partner.webhook_url).where(Partner.ccna == "BHW")) is None


def test_an_unexpected_error_is_a_failed_try_never_a_500_or_a_crashed_run(
        app, client, heron, actors, cli, store, hook, monkeypatch):
    """A URL saved before it was checked this way, and any error sending: the partner's test
    says "connection failed", the delivery is retried, and the run goes on."""
    import httpx

    from gateway.models import Partner

    assert cli("partner", "webhook", "--ccna", "BHW", "--url", hook.url,
               "--secret", SECRET)[0] == 0
    _foc(heron)
    partner = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    partner.webhook_url = "http://☃.example/hooks"  # no IDNA form: refused today when set
    store.commit()
    boss = _boss(client, actors)
    assert boss.post("/admin/webhook/test").status_code == 302
    assert "failed: connection failed." in boss.get("/admin/webhook").get_data(as_text=True)
    assert cli("deliver")[0] == 0
    store.expire_all()
    delivery = store.scalar(sa.select(Delivery).where(Delivery.channel == "webhook"))
    assert delivery.status == "pending" and delivery.last_error == "connection failed"
    # any other error while sending is a failed try too
    partner = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    partner.webhook_url = hook.url
    store.commit()

    def broken(self, *args, **kw):
        raise RuntimeError("boom: secret internals")

    monkeypatch.setattr(httpx.Client, "post", broken)
    assert boss.post("/admin/webhook/test").status_code == 302
    page = boss.get("/admin/webhook").get_data(as_text=True)
    assert "failed: connection failed." in page and "boom" not in page
    app.config["FROZEN_NOW"] = "2026-11-23T10:01:00-08:00"  # the retry is due
    code, out = cli("deliver")
    assert code == 0 and "retrying 1" in out and "RuntimeError: boom" in out
    store.expire_all()
    delivery = store.scalar(sa.select(Delivery).where(Delivery.channel == "webhook"))
    assert delivery.attempts == 2 and delivery.last_error == "connection failed"
    assert hook.requests == []


# no text in a notice makes its email undeliverable or adds a header (business-rules §10.1)
HOSTILE_TN = "5415550142\r\nBcc: x@evil.example"


def _received(smtp):
    import email
    import email.policy

    [(rcpts, text)] = smtp.messages
    return rcpts, email.message_from_string(text, policy=email.policy.default)


def test_a_line_break_in_a_notice_subject_cannot_add_a_header_or_stop_the_email(
        app, heron, cli, store, smtp):
    from gateway import clock
    from gateway.models import Partner
    from gateway.services.outbox import notices

    app.config["SMTP_URL"] = smtp.url
    with app.app_context():
        partner = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
        notices.emit(store, "csr.rejected", partner, {"tn": HOSTILE_TN}, now=clock.now(),
                     subject=f"CSR rejected: TN {HOSTILE_TN}\u2028X-Evil: 1\x85Cc: y@evil.example",
                     body=f"CSR request 1 for TN {HOSTILE_TN} was rejected.",
                     emails=["heron@example.net"])
        store.commit()
    code, out = cli("deliver")
    assert code == 0 and "sent 1," in out, out
    rcpts, message = _received(smtp)
    assert rcpts == ["heron@example.net"]
    assert message["Bcc"] is None and message["Cc"] is None and message["X-Evil"] is None
    assert message["Subject"].strip() == (
        "CSR rejected: TN 5415550142  Bcc: x@evil.example X-Evil: 1 Cc: y@evil.example")
    assert "Bcc: x@evil.example" in message.get_content()  # the body keeps its text
    store.expire_all()
    assert store.scalar(sa.select(Delivery.status).where(Delivery.channel == "email")) == "sent"


def test_a_csr_reject_email_with_a_line_break_in_its_tn_is_sent(app, heron, cli, store, smtp):
    """The probe through the API (whatever the CSR service makes of the TN, its notice goes)."""
    from gateway.models import Notice, User
    from gateway.services.identity.actors import Actor
    from gateway.services.partners.contacts import set_user_contact_types

    app.config["SMTP_URL"] = smtp.url
    user = store.scalar(sa.select(User).where(User.username == "heron"))
    set_user_contact_types(store, user, ["foc", "reject"], actor=Actor(None, "t"),
                           now=user.created_at)
    store.commit()
    resp = heron.post("/api/v1/csr-requests", {"tn": HOSTILE_TN, "agauth": "Y"})
    assert resp.status_code == 201 and resp.get_json()["status"] == "rejected"
    code, out = cli("deliver")
    assert code == 0, out
    store.expire_all()
    assert store.scalar(sa.select(Delivery.status).join(Notice).where(
        Notice.event == "csr.rejected", Delivery.channel == "email")) == "sent"
    rcpts, message = _received(smtp)
    assert rcpts == ["heron@example.net"] and message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    # the CSR service names a TN only when it is one (docs/decisions.md)
    assert message["Subject"].strip() == "CSR rejected: TN (not a TN)"


def test_a_run_keeps_one_connection_per_destination_and_never_shares_it_across_hosts(
        app, heron, actors, cli, store, fake_dns):
    """A run's webhooks to one partner share a kept-alive connection (a client was built for
    every webhook: ~20 ms each); two partners whose names resolve to one address each get
    their own (a connection is verified for one name)."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    receiver = Receiver(keep_alive=True)
    try:
        fake_dns["hooks.heron.example"] = ["127.0.0.1"]
        fake_dns["hooks.summit.example"] = ["127.0.0.1"]
        actors.partner(ccna="SWC", name="Summit West Communications", spids=("SW01",),
                       type="clec")
        actors.user("summit", partner="SWC")
        from tests.conftest import Api
        summit = Api(heron.client, actors.token("summit"))
        for ccna, name in (("BHW", "heron"), ("SWC", "summit")):
            assert cli("partner", "webhook", "--ccna", ccna, "--secret", SECRET, "--url",
                       f"http://hooks.{name}.example:{receiver.port}/hooks")[0] == 0
        for api in (heron, summit):
            resp = api.post("/api/v1/csr-batches",
                            {"requests": [{"tn": "5415550142", "agauth": "Y"}] * 20})
            assert resp.status_code == 201, resp.get_json()
        code, out = cli("deliver")
        assert code == 0 and "sent 40" in out, out
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    ports = {}
    for host, port in receiver.seen:
        ports.setdefault(host, set()).add(port)
    assert {h: len(p) for h, p in ports.items()} == {"hooks.heron.example": 1,
                                                     "hooks.summit.example": 1}
    assert ports["hooks.heron.example"].isdisjoint(ports["hooks.summit.example"])
