"""`make run`'s local sink (`flask --app app dev-sink`, gateway/cli/dev_sink.py): emails kept as
files and printed, webhooks printed with their signature checked; and the demo webhook that
`make run` sets only where the partner has none (`partner webhook --if-unset`)."""
from __future__ import annotations

import smtplib
import socket
import threading
import urllib.error
import urllib.request
from email.message import EmailMessage
from http.server import ThreadingHTTPServer

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from gateway.cli.dev_sink import MailKeeper, webhook_handler
from gateway.models import Partner
from gateway.services.outbox.delivery import signature


def test_the_sink_keeps_each_email_as_a_file_and_prints_one_line(tmp_path):
    lines: list[str] = []
    with socket.socket() as probe:  # a free port (aiosmtpd's controller wants one named)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(MailKeeper(tmp_path, lines.append), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"] = "lnp@cascade.example", "ports@heron.example"
        message["Subject"] = "FOC: PON BHW1 due 2026-11-24"
        message.set_content("PON BHW1 is confirmed.")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    [kept] = sorted(tmp_path.glob("*.eml"))
    assert b"PON BHW1 is confirmed." in kept.read_bytes()
    assert lines == [f"email   to ports@heron.example: FOC: PON BHW1 due 2026-11-24  ({kept})"]


def test_the_sink_answers_a_signed_webhook_and_refuses_a_forged_one():
    lines: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), webhook_handler("whsec-demo", lines.append))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/blue-heron"
    body = b'{"event": "lsr.foc", "data": {}}'
    try:
        def post(sig: str) -> int:
            request = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/json", "X-Portgate-Signature": sig})
            try:
                with urllib.request.urlopen(request, timeout=5) as resp:
                    return resp.status
            except urllib.error.HTTPError as err:
                return err.code

        assert post(signature("whsec-demo", body)) == 204
        assert post(signature("another-secret", body)) == 401
    finally:
        server.shutdown()
    assert lines == ["webhook /blue-heron: lsr.foc (signed)",
                     "webhook /blue-heron: lsr.foc (BAD SIGNATURE)"]


def test_make_runs_demo_webhook_is_set_only_where_the_partner_has_none(app, heron, cli, store):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    code, out = cli("partner", "webhook", "--if-unset", "--ccna", "BHW", "--secret",
                    "whsec-demo-local-sink", "--url", "http://127.0.0.1:5001/blue-heron")
    assert code == 0 and "set" in out
    code, out = cli("partner", "webhook", "--if-unset", "--ccna", "BHW", "--secret", "other",
                    "--url", "http://127.0.0.1:5999/elsewhere")
    assert code == 0 and "kept" in out
    store.expire_all()
    partner = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    assert partner.webhook_url == "http://127.0.0.1:5001/blue-heron"
