"""The background worker (api-contract §2 `work`): LSR batches, then `deliver`, and `sweep`
when due — one round at a time, in the app's context, until told to stop.

Several workers may run at once: batches are leased one per worker, each LSR of a batch is
claimed in its own transaction, deliveries are leased row by row, and `sweep` holds its job
lock. Nothing here decides business outcomes; it only calls the services on a schedule."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask

from gateway import clock, db
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.batches.runner import Runner, wall

log = logging.getLogger(__name__)


@dataclass
class RoundReport:
    batches: int = 0
    lsrs: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    sweep: dict[str, int] | None = None
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (f"batches {self.batches} ({self.lsrs} LSRs), sent {self.sent}, "
                f"retrying {self.retrying}, dead {self.dead}")
        if self.sweep is not None:
            text += "; sweep " + ", ".join(f"{k}: {v}" for k, v in self.sweep.items())
        return text


@dataclass
class Worker:
    """One worker process (or thread): `round()` does batches, deliver, and sweep if due."""

    app: Flask
    sweep_every: timedelta = timedelta(minutes=1)
    worker_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _last_sweep_wall: datetime | None = None
    _last_sweep_clock: datetime | None = None

    def sweep_due(self) -> bool:
        """A minute of wall time since the last sweep — or of the app's clock, so that moving
        a demo's FROZEN_NOW forward is acted on at the next round."""
        if self._last_sweep_wall is None or self._last_sweep_clock is None:
            return True
        return (wall() - self._last_sweep_wall >= self.sweep_every
                or abs(clock.now() - self._last_sweep_clock) >= self.sweep_every)

    def round(self, *, force_sweep: bool = False) -> RoundReport:
        """Every queued batch to its end, then deliver what is due, then sweep when due."""
        with self.app.app_context():
            report = RoundReport()
            self._batches(report)
            self._deliver(report)
            if force_sweep or self.sweep_due():
                self._sweep(report)
            return report

    def run_batches(self) -> RoundReport:
        """Only the batch part of a round: every queued batch answered to its end."""
        with self.app.app_context():
            report = RoundReport()
            self._batches(report)
            return report

    def _batches(self, report: RoundReport) -> None:
        runner = Runner(db.database().sessionmaker, composition.order_contexts(), clock.now,
                        self.worker_id)
        done = runner.run_all()
        report.batches, report.lsrs = done.batches, done.lsrs

    def _deliver(self, report: RoundReport) -> None:
        from gateway.services.outbox.delivery import deliver

        config = self.app.config
        sent = deliver(db.database().sessionmaker, now=clock.now,
                       smtp_url=config.get("SMTP_URL"), sender=config["SMTP_FROM"],
                       allow_private=bool(config.get("WEBHOOK_ALLOW_PRIVATE")),
                       https_only=bool(config.get("WEBHOOK_HTTPS_ONLY")))
        report.sent, report.retrying, report.dead = sent.sent, sent.failed, sent.dead
        report.errors += sent.errors

    def _sweep(self, report: RoundReport) -> None:
        from gateway.services.desk.sweep import run_sweep

        self._last_sweep_wall, self._last_sweep_clock = wall(), clock.now()
        with db.database().unit_of_work() as session:
            report.sweep = run_sweep(session, now=clock.now(), profile=carrier_profile(),
                                     registry=composition.registry(session))

    def loop(self, stop: threading.Event, *, interval: float = 5.0,
             echo: Callable[[str], None] | None = None) -> None:
        """Run rounds until `stop` is set; a failing round is logged and the next one runs."""
        while not stop.is_set():
            started = time.monotonic()
            try:
                report = self.round()
                if echo and (report.lsrs or report.sent or report.retrying or report.dead
                             or report.sweep):
                    echo(report.line())
                for line in report.errors:
                    log.warning("%s", line)
            except Exception:  # the database restarting, a bug: keep the worker alive
                log.exception("worker round failed")
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
