"""`account freeze` (api-contract §2, business-rules §11.1)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from gateway import clock
from gateway.cli import unit_of_work
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.identity.actors import CLI
from gateway.services.protection import freeze as freeze_svc

account_cli = AppGroup("account", help="Subscriber accounts.")


@account_cli.command("freeze")
@click.argument("account_number")
@click.option("--on/--off", "on", required=True, help="Place or lift the port-out freeze.")
@click.option("--channel", required=True, type=click.Choice(freeze_svc.CHANNELS),
              help="How the end user asked.")
@click.option("--note", required=True, help="Who asked and how they were verified.")
def account_freeze(account_number: str, on: bool, channel: str, note: str) -> None:
    """Place or lift an account's port-out freeze at the end user's request."""
    if not note.strip():
        raise click.BadParameter("the note must say who asked", param_hint="--note")
    with unit_of_work({"freeze": "--on/--off"}) as session:
        on, channel, note = freeze_svc.freeze_request(on, channel, note)
        account = freeze_svc.set_freeze(session, account_number, freeze=on, channel=channel,
                                        note=note, actor=CLI, now=clock.now(),
                                        profile=carrier_profile())
    click.echo(f"account {account.account_number}: port-out freeze "
               f"{'on' if account.port_freeze else 'off'}")


def register(app: Flask) -> None:
    app.cli.add_command(account_cli)
