"""Command line (api-contract §2): `flask --app app <command>`."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from gateway import clock, db
from gateway.errors import GatewayError
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.passcodes import passcode_key
from gateway.services import imports
from gateway.services.identity import users
from gateway.services.identity.actors import CLI
from gateway.services.partners import directory as partners
from npac import importers as npac_importers
from npac.errors import NpacError

npac_cli = AppGroup("npac", help="Load simulated NPAC reference data.")
partner_cli = AppGroup("partner", help="Trading partners.")
user_cli = AppGroup("user", help="Users.")
token_cli = AppGroup("token", help="API tokens.")
escalation_cli = AppGroup("escalation", help="Escalation contacts.")


@contextmanager
def unit_of_work(options: Mapping[str, str] | None = None) -> Iterator:
    """One transaction per command; domain errors become a clear message and exit code 1.

    An error's `fields` (an InvalidInput's details) are printed after its message, each under
    the name of the option that gave it: `options` maps a field to an option where the names
    differ; else the command's option of the field's name, else the field's own name."""
    try:
        with db.database().unit_of_work() as session:
            yield session
    except GatewayError as err:
        raise click.ClickException(_with_fields(err.message, err.extra.get("fields"),
                                                options or {})) from None
    except NpacError as err:  # its str names the file, row, column and value
        raise click.ClickException(str(err)) from None


def _with_fields(message: str, fields: object, options: Mapping[str, str]) -> str:
    if not isinstance(fields, Mapping) or not fields:
        return message
    context = click.get_current_context(silent=True)
    known = {param.name: param.opts[0] for param in (context.command.params if context else ())
             if isinstance(param, click.Option) and param.name}
    shown = []
    for name, why in fields.items():
        text = "; ".join(map(str, why)) if isinstance(why, list | tuple) else str(why)
        shown.append(f"{options.get(str(name)) or known.get(str(name)) or name}: {text}")
    return f"{message} {'; '.join(shown)}"


def _progress(path: str) -> Callable[[int], None] | None:
    """A progress bar on a terminal (stderr), sized from the file: its bytes over the mean
    length of its first lines. Off when stderr is not a terminal (cron, CI, pipes)."""
    if not sys.stderr.isatty():
        return None
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if not head:
        return None  # an empty file: nothing to show (the import names what is wrong)
    expected = max(1, round(size / (len(head) / max(1, head.count(b"\n")))) - 1)

    def show(done: int) -> None:
        share = min(1.0, done / expected)
        bar = "#" * int(share * 30)
        click.echo(f"\r  [{bar:<30}] {share:4.0%} {done:,} of ~{expected:,} rows", nl=False,
                   err=True)
        if done >= expected:
            click.echo("", err=True)

    return show


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema."""
    from gateway.platform.database_schema import upgrade

    click.echo(f"schema {upgrade(db.database())}")


@click.command("import-accounts")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_accounts(path: str) -> None:
    """Load subscriber accounts (one row per TN), all or nothing."""
    with unit_of_work() as session:
        count = imports.import_accounts(session, path, states=frozenset(carrier_profile().states),
                                        progress=_progress(path), passcode_key=passcode_key())
    click.echo(f"imported {count} rows")


def _npac_import(kind: str) -> click.Command:
    loader = getattr(npac_importers, f"import_{kind}")

    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def command(path: str) -> None:
        with unit_of_work() as session:
            count = loader(session.connection(), path, progress=_progress(path))
        click.echo(f"imported {count} rows")

    command.__doc__ = f"Load NPAC {kind} from CSV (api-contract §3.2), all or nothing."
    return npac_cli.command(f"import-{kind}")(command)


for _kind in ("spids", "codes", "blocks", "tns"):
    _npac_import(_kind)


@partner_cli.command("add")
@click.option("--name", required=True)
@click.option("--ccna", required=True)
@click.option("--spid", "spids", multiple=True)
@click.option("--type", "type_", required=True)
def partner_add(name: str, ccna: str, spids: tuple[str, ...], type_: str) -> None:
    """Create an active trading partner."""
    with unit_of_work() as session:
        partner = partners.add_partner(session, name=name, ccna=ccna, type=type_,
                                       spids=list(spids), actor=CLI, now=clock.now())
        click.echo(f"partner {partner.ccna} created (id {partner.id})")


@partner_cli.command("grant")
@click.option("--carrier", required=True)
@click.option("--agent", required=True)
@click.option("--privilege", "privileges", multiple=True)
def partner_grant(carrier: str, agent: str, privileges: tuple[str, ...]) -> None:
    """Approve an agent to act for a carrier."""
    with unit_of_work() as session:
        approval = partners.grant_agent(
            session, partners.partner_by_ccna(session, carrier),
            partners.partner_by_ccna(session, agent), list(privileges) or None,  # None: all
            actor=CLI, now=clock.now())
        click.echo(f"{agent.upper()} may act for {carrier.upper()}: "
                   f"{', '.join(sorted(approval.privileges))}")


@partner_cli.command("revoke")
@click.option("--carrier", required=True)
@click.option("--agent", required=True)
def partner_revoke(carrier: str, agent: str) -> None:
    """Revoke an agent's approval to act for a carrier."""
    with unit_of_work() as session:
        partners.revoke_agent(session, partners.partner_by_ccna(session, carrier),
                              partners.partner_by_ccna(session, agent), actor=CLI,
                              now=clock.now())
    click.echo(f"{agent.upper()} may no longer act for {carrier.upper()}")


@partner_cli.command("suspend")
@click.option("--carrier", required=True)
@click.option("--agent", required=True)
def partner_suspend(carrier: str, agent: str) -> None:
    """Suspend an agent's approval (treated as revoked until resumed)."""
    with unit_of_work() as session:
        partners.suspend_agent(session, partners.partner_by_ccna(session, carrier),
                               partners.partner_by_ccna(session, agent), actor=CLI,
                               now=clock.now())
    click.echo(f"{agent.upper()}'s approval from {carrier.upper()} suspended")


@partner_cli.command("resume")
@click.option("--carrier", required=True)
@click.option("--agent", required=True)
def partner_resume(carrier: str, agent: str) -> None:
    """Resume an agent's suspended approval."""
    with unit_of_work() as session:
        approval = partners.resume_agent(session, partners.partner_by_ccna(session, carrier),
                                         partners.partner_by_ccna(session, agent), actor=CLI,
                                         now=clock.now())
        click.echo(f"{agent.upper()} may again act for {carrier.upper()}: "
                   f"{', '.join(sorted(approval.privileges))}")


@partner_cli.command("webhook")
@click.option("--ccna", required=True)
@click.option("--url", required=True)
@click.option("--secret", default="")
@click.option("--if-unset", is_flag=True, help="Only when the partner has no webhook yet.")
def partner_webhook(ccna: str, url: str, secret: str, if_unset: bool) -> None:
    """Set (or with --url '' clear) the partner's webhook."""
    with unit_of_work() as session:
        partner = partners.partner_by_ccna(session, ccna)
        if if_unset and partner.webhook_url:
            click.echo(f"webhook of {ccna.upper()} kept: {partner.webhook_url}")
            return
        partners.set_webhook(session, partner, url, secret,
                             actor=CLI, now=clock.now(),
                             https_only=bool(current_app.config.get("WEBHOOK_HTTPS_ONLY")),
                             allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
    click.echo(f"webhook of {ccna.upper()} {'set' if url else 'cleared'}")


@user_cli.command("add")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True)
@click.option("--partner", "partner_ccna")
@click.option("--privilege", "privileges", multiple=True)
@click.option("--name", "full_name", help="The user's full name (default: the username).")
@click.option("--phone", help="The user's phone number (optional).")
def user_add(username: str, email: str, password: str, role: str, partner_ccna: str | None,
             privileges: tuple[str, ...], full_name: str | None, phone: str | None) -> None:
    """Create a user (partner roles need --partner)."""
    with unit_of_work() as session:
        partner = partners.partner_by_ccna(session, partner_ccna) if partner_ccna else None
        user = users.add_user(session, username=username, email=email, password=password,
                              role=role, partner=partner, privileges=list(privileges),
                              actor=CLI, now=clock.now(), full_name=full_name, phone=phone)
        click.echo(f"user {user.username} created ({user.role})")


@user_cli.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Disable a user: login and tokens stop at once, history kept."""
    with unit_of_work() as session:
        users.disable_user(session, users.user_by_username(session, username), actor=CLI,
                           now=clock.now())
    click.echo(f"user {username} disabled")


@token_cli.command("issue")
@click.argument("username")
def token_issue(username: str) -> None:
    """Print a new API token for the user, alone on one line."""
    with unit_of_work() as session:
        _row, token = users.issue_token(session, users.user_by_username(session, username),
                                        actor=CLI, now=clock.now(), name="cli")
    click.echo(token)


@escalation_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def escalation_import(path: str) -> None:
    """Load escalation contacts, replacing those of the states in the file."""
    with unit_of_work() as session:
        count = imports.import_escalations(session, path,
                                           states=frozenset(carrier_profile().states))
    click.echo(f"imported {count} rows")


def register_cli(app: Flask) -> None:
    """Attach every command to the app."""
    for command in (init_db, import_accounts, npac_cli, partner_cli, user_cli, token_cli,
                    escalation_cli):
        app.cli.add_command(command)
    from gateway.cli import dev_sink as cli_dev_sink
    from gateway.cli import ops as cli_ops
    from gateway.cli import protection as cli_protection

    cli_ops.register(app)
    cli_protection.register(app)
    cli_dev_sink.register(app)
