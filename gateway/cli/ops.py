"""Operational commands: seed-demo, sweep, deliver, work."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from gateway import clock
from gateway.cli import unit_of_work
from gateway.platform.carrier_profile import carrier_profile


@click.command("seed-demo")
@with_appcontext
@click.option("--accounts", "n_accounts", default=2000, show_default=True, type=click.IntRange(1))
@click.option("--if-empty", is_flag=True, help="Do nothing when partners already exist.")
def seed_demo(n_accounts: int, if_empty: bool) -> None:
    """Load a deterministic demo carrier: partners, users, accounts, NPAC data; print logins."""
    import sqlalchemy as sa

    from gateway.demo.seed import seed
    from gateway.models import Partner
    from gateway.platform.passcodes import passcode_key

    with unit_of_work() as session:
        if if_empty and session.scalar(sa.select(Partner.id).limit(1)) is not None:
            click.echo("demo data already loaded (make clean-db starts over)")
            return
        logins = seed(session, n_accounts=n_accounts, profile=carrier_profile(), now=clock.now(),
                      passcode_key=passcode_key(), echo=click.echo)
    click.echo("Demo logins (username / password):")
    for username, password, role in logins:
        click.echo(f"  {username:<16} {password:<22} {role}")


@click.command("sweep")
@with_appcontext
def sweep() -> None:
    """Apply every time-driven rule that is due (expiry, lock ends, escalations, SV timers)."""
    from gateway.services.desk.sweep import run_sweep

    with unit_of_work() as session:
        report = run_sweep(session, now=clock.now(), profile=carrier_profile())
    if report is None:
        click.echo("another sweep is running; nothing done")
        return
    click.echo(", ".join(f"{k}: {v}" for k, v in report.items()))


@click.command("deliver")
@with_appcontext
@click.option("--loop", is_flag=True, help="Keep running: a long-lived delivery worker.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.option("--rounds", default=0, help="With --loop, stop after N rounds (0: forever).")
def deliver(loop: bool, interval: float, rounds: int) -> None:
    """Send pending notices from the outbox (email, webhooks)."""
    import time

    from gateway import db
    from gateway.services.outbox.delivery import deliver as run

    config = current_app.config
    done = 0
    while True:
        report = run(db.database().sessionmaker, now=clock.now, smtp_url=config.get("SMTP_URL"),
                     sender=config["SMTP_FROM"],
                     allow_private=bool(config.get("WEBHOOK_ALLOW_PRIVATE")),
                     https_only=bool(config.get("WEBHOOK_HTTPS_ONLY")))
        click.echo(f"sent {report.sent}, retrying {report.failed}, dead {report.dead}")
        for line in report.errors:
            click.echo(f"  {line}", err=True)
        done += 1
        if not loop or (rounds and done >= rounds):
            break
        time.sleep(interval)




@click.command("work")
@with_appcontext
@click.option("--once", is_flag=True, help="One round: every queued batch, deliver, sweep.")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.05),
              help="Seconds between rounds.")
@click.option("--sweep-every", default=60.0, show_default=True, type=click.FloatRange(0.05),
              help="Seconds between sweeps (wall time, or the app's clock moving that much).")
def work(once: bool, interval: float, sweep_every: float) -> None:
    """The background worker: bulk batches, then deliver, and sweep when due."""
    import signal
    import threading
    from datetime import timedelta

    from gateway.platform.worker import Worker

    worker = Worker(current_app._get_current_object(),
                    sweep_every=timedelta(seconds=sweep_every))
    if once:
        report = worker.round(force_sweep=True)
        click.echo(report.line())
        for line in report.errors:
            click.echo(f"  {line}", err=True)
        return
    stop = threading.Event()

    def _stop(_signum, _frame) -> None:  # finish the LSR or notice in hand, then exit
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"worker {worker.worker_id[:8]} started (every {interval:g} s; Ctrl-C stops)")
    worker.loop(stop, interval=interval, echo=click.echo)
    click.echo("worker stopped")


def register(app: Flask) -> None:
    for command in (seed_demo, sweep, deliver, work):
        app.cli.add_command(command)
