"""What every staff view shares: the actor, the order context, admin guard, zones, paging."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from zoneinfo import ZoneInfo

from flask import abort, request
from flask_login import current_user

from gateway.auth import for_roles
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.identity.actors import Actor
from gateway.services.orders.context import OrderContext

DEFAULT_ZONE = "America/Los_Angeles"


def actor() -> Actor:
    return Actor.from_user(current_user, request.remote_addr)


def order_context(partner=None, **kwargs) -> OrderContext:
    """The context the order services take, as the API builds it."""
    return composition.order_context(partner, actor(), **kwargs)


def admin_required(view: Callable) -> Callable:
    """Partners, the carrier profile and escalation contacts are for staff admins (§1.3)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role != "staff_admin":
            abort(403, description=for_roles(["staff_admin"]))
        return view(*args, **kwargs)

    return wrapped


def user_zone() -> ZoneInfo:
    try:
        return ZoneInfo(getattr(current_user, "timezone", None) or DEFAULT_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def zones() -> list[str]:
    """The carrier's time zones (from the states it serves) and the user's own, sorted."""
    names = set(carrier_profile().states.values()) | {str(user_zone())}
    return sorted(names)


def page_arg(default_per_page: int = 50) -> tuple[int, int]:
    """`page` from the query string: a bad value is page 1, never an error page."""
    try:
        page = max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        page = 1
    return page, default_per_page


def choice_arg(name: str, allowed, default=None):
    """A query-string value only when it is one of the allowed values."""
    value = request.args.get(name) or default
    return value if value in allowed else default
