"""`flask --app app dev-sink`: where `make run` sends the demo's notices, so that a newcomer sees
emails and webhooks go out without a mail server or a partner's endpoint (README "Quick start").

An SMTP server (aiosmtpd, the `dev` extra) keeps every email it is handed as a `.eml` file and
prints one line for it; an HTTP server (the standard library's) takes the webhooks POSTed to it,
checks their signature against the secret given, and prints one line for each. It listens on
127.0.0.1 only and keeps nothing but the files: a development aid, never a production part.
"""
from __future__ import annotations

import email
import email.policy
import hmac
import itertools
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click
from flask import Flask

from gateway.services.outbox.delivery import signature

MAX_BODY = 10 * 1024 * 1024


class MailKeeper:
    """aiosmtpd's handler: each message to `<folder>/<n>.eml`, one line to the console."""

    def __init__(self, folder: Path, echo: Any) -> None:
        self.folder, self.echo = folder, echo
        self.numbers = itertools.count(1 + len(list(folder.glob("*.eml"))))
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.content if isinstance(envelope.content, bytes) \
            else str(envelope.content).encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        with self.lock:
            path = self.folder / f"{next(self.numbers):05d}.eml"
        path.write_bytes(content)
        self.echo(f"email   to {', '.join(envelope.rcpt_tos)}: {message['Subject']}  ({path})")
        return "250 kept"


def webhook_handler(secret: str, echo: Any) -> type[BaseHTTPRequestHandler]:
    """A handler that answers 204 to a signed webhook and prints it (401 when the signature
    does not match the secret given; any signature is taken without one)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, MAX_BODY))
            sent = self.headers.get("X-Portgate-Signature", "")
            signed = not secret or hmac.compare_digest(sent.encode(),
                                                       signature(secret, body).encode())
            self.send_response(204 if signed else 401)
            self.end_headers()
            try:
                event = json.loads(body).get("event", "?")
            except (ValueError, AttributeError):
                event = "?"
            echo(f"webhook {self.path}: {event} ({'signed' if signed else 'BAD SIGNATURE'})")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: one line per webhook is printed by do_POST."""

    return Handler


@click.command("dev-sink")
@click.option("--smtp-port", default=1025, show_default=True, type=click.IntRange(1, 65535))
@click.option("--http-port", default=5001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--mail-dir", default="instance/mail", show_default=True,
              type=click.Path(file_okay=False, path_type=Path))
@click.option("--secret", default="", help="The webhooks' secret, to check their signature.")
def dev_sink(smtp_port: int, http_port: int, mail_dir: Path, secret: str) -> None:
    """Keep the emails and webhooks the worker sends (development only; 127.0.0.1)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        raise click.ClickException("dev-sink needs aiosmtpd: pip install -e '.[dev]'") from None
    mail_dir.mkdir(parents=True, exist_ok=True)
    smtp = Controller(MailKeeper(mail_dir, click.echo), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", http_port), webhook_handler(secret, click.echo))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=http.serve_forever, daemon=True).start()
    click.echo(f"dev sink: emails on smtp://127.0.0.1:{smtp_port} (kept in {mail_dir}), "
               f"webhooks on http://127.0.0.1:{http_port}/")
    stop.wait()
    http.shutdown()
    smtp.stop()


def register(app: Flask) -> None:
    app.cli.add_command(dev_sink)
