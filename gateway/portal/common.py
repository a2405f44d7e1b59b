"""What every portal and partner-administration view shares: the actor, the order context,
access guards, error text and CSV answers."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import wraps
from zoneinfo import ZoneInfo

from flask import Response, abort, request
from flask_login import current_user

from gateway import clock, db
from gateway.errors import GatewayError
from gateway.platform import composition
from gateway.services import policy
from gateway.services.identity.actors import Actor
from gateway.services.orders.context import OrderContext
from gateway.services.orders.tiles import Moment

PARTNER_ROLES = ("partner_admin", "partner_user")
_CLI_PREFIX = re.compile(r"^--[\w-]+:\s*")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def actor() -> Actor:
    """The signed-in user as the actor of a service call (with the client's IP)."""
    return Actor.from_user(current_user, request.remote_addr)


def scope() -> policy.Scope:
    """What the signed-in partner user may see and do (business-rules §1.1.1)."""
    return policy.scope_for(db.session(), actor())


def order_context() -> OrderContext:
    """The order services' context for the signed-in partner user."""
    return composition.order_context(current_user.partner, actor(), channel="portal")


def partner_access(*privileges: str) -> Callable:
    """Allow partner users holding any of the privileges (none named: any partner user)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            from gateway.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in PARTNER_ROLES:
                abort(403, description="The partner portal is for partner users; the LNP desk "
                      "works in the staff console.")
            if privileges and not set(privileges) & set(current_user.privileges):
                abort(403, description="Your login lacks the privilege for this page ("
                      + " or ".join(privileges) + "). Ask your administrator.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def message(err: GatewayError) -> str:
    """A service error as a sentence for a page (CLI option prefixes dropped)."""
    return _CLI_PREFIX.sub("", err.message)


def failed(err: GatewayError) -> tuple[str, int]:
    """Undo whatever the failed call flushed; return its message and the page's status
    (422 for refused input, else the error's own: 404, 409)."""
    db.session().rollback()
    return message(err), 422 if err.status == 400 else err.status


def user_zone() -> ZoneInfo:
    """The signed-in user's display zone (the zone pages show times in)."""
    try:
        return ZoneInfo(current_user.timezone or "America/Los_Angeles")
    except (KeyError, ValueError):
        return ZoneInfo("America/Los_Angeles")


def user_today() -> date:
    """Today in the signed-in user's display zone."""
    return clock.now().astimezone(user_zone()).date()


def reading_moment() -> Moment:
    """Now, and today in the user's zone: when the dashboard's sets of orders are judged."""
    return Moment(clock.now(), user_today())


def user_moment(value: datetime | None) -> datetime | None:
    """A wall-clock time typed on a form, as an instant in the signed-in user's zone."""
    if value is None:
        return None
    return value.replace(tzinfo=user_zone())


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text  # no spreadsheet formulas


def csv_response(rows: Iterable[list], filename: str) -> Response:
    """A CSV download, built inside the request (its rows read the request's session), with
    formula-looking cells neutralized."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


def no_store(response: Response) -> Response:
    """Keep a page that shows a secret once out of every cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def page_arg() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100000))
    except ValueError:
        return 1
