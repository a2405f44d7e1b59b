"""Webhooks go only to public addresses, checked when set and when sent (api-contract §1, §5):
no SSRF to metadata, private or loopback services, no DNS rebinding, no redirects, no
port-scan oracle, and the URL and secret of send time (business-rules §10.1)."""
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from gateway.models import Delivery, Partner
from tests.conftest import EXAMPLES, Web

SECRET, NEW_SECRET = "whsec-first-0123456789", "whsec-second-0123456789"
PUBLIC = "93.184.215.14"


class Receiver:
    """A loopback HTTP receiver answering `status` (and `location` for redirects); with
    `keep_alive`, HTTP/1.1 connections stay open, and `seen` notes each request's Host name
    and client port (one port is one connection)."""

    def __init__(self, status=204, location=None, keep_alive=False):
        self.requests, self.seen = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                receiver.seen.append((self.headers["Host"].split(":")[0],
                                      self.client_address[1]))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    made = []

    def make(**kw):
        made.append(Receiver(**kw))
        return made[-1]

    yield make
    for r in made:
        r.server.shutdown()
        r.server.server_close()


def _partner(store):
    store.expire_all()
    return store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))


def _webhook_delivery(store):
    store.expire_all()
    return store.scalar(sa.select(Delivery).where(Delivery.channel == "webhook"))


def _foc(heron):
    order = heron.post("/api/v1/lsrs", json.loads((EXAMPLES / "lsr-simple-port.json")
                                                  .read_text())).get_json()
    assert order["status"] == "foc"
    return order


def _set(cli, url, secret=SECRET):
    return cli("partner", "webhook", "--ccna", "BHW", "--url", url, "--secret", secret)


REFUSED = [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.0.0.1/", "private"),
    ("http://[::1]:8080/hook", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://127.1:5432/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://100.64.0.1/", "shared"),
    ("http://192.0.2.10/", "documentation"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://0.0.0.0:9/", "unspecified"),
    ("http://[64:ff9b::a00:1]/", "private"),  # NAT64 form of 10.0.0.1
]


@pytest.mark.parametrize("url,reason", REFUSED)
def test_cli_refuses_a_webhook_url_reaching_a_non_global_address(cli, actors, store, url,
                                                                 reason):
    actors.partner()
    code, out = _set(cli, url)
    assert code != 0
    assert reason in out and "webhooks go only to public addresses" in out
    assert _partner(store).webhook_url is None


def test_cli_refuses_a_name_resolving_to_any_private_address(cli, actors, store, fake_dns):
    actors.partner()
    fake_dns["hooks.heron.example"] = [PUBLIC, "10.1.2.3"]
    code, out = _set(cli, "https://hooks.heron.example/lnp")
    assert code != 0 and "10.1.2.3, a private address" in out
    assert _partner(store).webhook_url is None


def test_cli_refuses_a_name_that_does_not_resolve(cli, actors, store, fake_dns):
    actors.partner()

    def nowhere():
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fake_dns["hooks.heron.example"] = nowhere
    code, out = _set(cli, "https://hooks.heron.example/lnp")
    assert code != 0 and "does not resolve" in out
    assert _partner(store).webhook_url is None


def test_cli_accepts_a_name_resolving_to_public_addresses(cli, actors, store, fake_dns):
    actors.partner()
    fake_dns["hooks.heron.example"] = [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert _set(cli, "https://hooks.heron.example/lnp")[0] == 0
    assert _partner(store).webhook_url == "https://hooks.heron.example/lnp"


def test_allow_private_accepts_a_loopback_receiver(app, cli, actors, store):
    actors.partner()
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert _set(cli, "http://127.0.0.1:9/hook")[0] == 0
    assert _partner(store).webhook_url == "http://127.0.0.1:9/hook"


def test_portal_form_shows_webhook_url_not_allowed(client, heron, actors, store):
    actors.user("boss", role="partner_admin")
    web = Web(client)
    web.login("boss")
    resp = web.post("/admin/webhook", {"url": "http://169.254.169.254/latest/meta-data/",
                                       "secret": "0123456789abcdef"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "webhook_url_not_allowed" in page
    assert "link-local" not in page  # the partner is not told what the host resolves to
    assert _partner(store).webhook_url is None


def test_a_host_rebound_to_loopback_after_it_was_set_is_refused_at_send_time(
        app, heron, cli, store, receiver, fake_dns):
    hook = receiver()
    fake_dns["hooks.heron.example"] = [PUBLIC]
    assert _set(cli, f"http://hooks.heron.example:{hook.port}/hooks")[0] == 0
    _foc(heron)
    fake_dns["hooks.heron.example"] = ["127.0.0.1"]  # the attacker's DNS answers anew
    code, out = cli("deliver")
    assert code == 0 and "127.0.0.1, a loopback address" in out
    assert hook.requests == []
    delivery = _webhook_delivery(store)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error == "connection failed"


def test_the_post_goes_to_the_address_that_was_checked(app, heron, cli, store, receiver,
                                                       fake_dns, monkeypatch):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # a loopback receiver
    hook = receiver()
    fake_dns["hooks.heron.example"] = ["127.0.0.1"]
    assert _set(cli, f"http://hooks.heron.example:{hook.port}/hooks?x=1")[0] == 0
    _foc(heron)
    real = socket.getaddrinfo

    def no_second_lookup(host, *args, **kw):
        assert host != "hooks.heron.example", "the name was resolved again after the check"
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", no_second_lookup)
    assert cli("deliver")[0] == 0
    assert len(hook.requests) == 1
    assert hook.requests[0][0]["Host"] == f"hooks.heron.example:{hook.port}"
    assert _webhook_delivery(store).status == "sent"


def test_a_redirect_is_not_followed(app, heron, cli, store, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    inner = receiver()
    outer = receiver(status=302, location=inner.url)
    assert _set(cli, outer.url)[0] == 0
    _foc(heron)
    assert cli("deliver")[0] == 0
    assert len(outer.requests) == 1 and inner.requests == []
    delivery = _webhook_delivery(store)
    assert delivery.status == "pending" and delivery.last_error == "HTTP 302"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_partner_sees_the_status_or_connection_failed_never_the_error_text(
        app, client, heron, actors, cli, store, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert _set(cli, f"http://127.0.0.1:{_closed_port()}/hooks")[0] == 0
    _foc(heron)
    assert cli("deliver")[0] == 0
    assert _webhook_delivery(store).last_error == "connection failed"
    actors.user("boss", role="partner_admin")
    web = Web(client)
    web.login("boss")
    page = web.get("/admin/webhook").get_data(as_text=True)
    assert "connection failed" in page
    assert not any(leak in page for leak in ("Errno", "refused", "urlopen", "ConnectError"))
    # a row written before the fix keeps its text in the database but is not shown
    old = _webhook_delivery(store)
    old.last_error = "<urlopen error [Errno 111] Connection refused>"
    store.commit()
    page = web.get("/admin/webhook").get_data(as_text=True)
    assert "Errno" not in page and "connection failed" in page
    closed = receiver(status=405)
    assert _set(cli, closed.url)[0] == 0
    app.config["FROZEN_NOW"] = "2026-11-23T10:01:00-08:00"  # the retry is due
    assert cli("deliver")[0] == 0
    assert "HTTP 405" in web.get("/admin/webhook").get_data(as_text=True)


def test_a_queued_notice_goes_to_the_url_and_secret_of_send_time(app, heron, cli, store,
                                                                 receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    old, new = receiver(), receiver()
    assert _set(cli, old.url, SECRET)[0] == 0
    _foc(heron)  # queued while the old URL was set
    assert _set(cli, new.url, NEW_SECRET)[0] == 0
    assert cli("deliver")[0] == 0
    assert old.requests == [] and len(new.requests) == 1
    headers, body = new.requests[0]
    expected = "sha256=" + hmac.new(NEW_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Portgate-Signature"] == expected
    delivery = _webhook_delivery(store)
    assert delivery.status == "sent" and delivery.target == new.url


def test_a_notice_queued_before_the_webhook_was_cleared_does_not_go_to_a_new_one(
        app, heron, cli, store, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    first, later = receiver(), receiver()
    assert _set(cli, first.url)[0] == 0
    _foc(heron)
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", "")[0] == 0
    app.config["FROZEN_NOW"] = "2026-11-23T10:00:30-08:00"
    assert _set(cli, later.url)[0] == 0  # a new webhook, not a change of the old one
    assert cli("deliver")[0] == 0
    assert first.requests == [] and later.requests == []
    assert _webhook_delivery(store).last_error == "connection failed"
