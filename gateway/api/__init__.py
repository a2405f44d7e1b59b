"""JSON API /api/v1 (api-contract §4): bearer tokens, privileges, the error envelope."""
from __future__ import annotations

from flask import Blueprint, current_app, g, request

from gateway import clock, db
from gateway.errors import Forbidden, Unauthorized
from gateway.models import CsrRequest, Lsr
from gateway.services.identity.actors import Actor
from gateway.services.policy import READ_PRIVILEGES

bp = Blueprint("api", __name__)


def authenticate_request() -> None:
    """Resolve the bearer token to g.user and g.actor (401 when missing or bad)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Missing or invalid API token.")
    cache = current_app.extensions["portgate.token_cache"]
    g.user = cache.user_for_token(db.session(), token.strip(), now=clock.now())
    g.actor = Actor.from_user(g.user, request.remote_addr)


def authenticate_and_count() -> None:
    """Authenticate, then count the request against the partner's rate limit (429 past it)."""
    from gateway.platform import api_limits

    authenticate_request()
    api_limits.check()


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    authenticate_and_count()
    return None


PUBLIC_ENDPOINTS = {"api.openapi"}


def require(privilege: str) -> None:
    """Refuse (403) a partner user lacking a privilege, and staff on partner endpoints."""
    if g.user.is_staff or privilege not in g.user.privileges:
        raise Forbidden(f"This token's user lacks the {privilege!r} privilege.")


# Reading orders (§1.3 `view`): a user who may submit LSRs (or request CSRs) reads the orders
# (or CSR requests) of its company too, as in the portal: nobody supplements an order unseen.
READ_LSRS = READ_PRIVILEGES[Lsr]  # who may read orders / CSR requests: decided in policy.py
READ_CSRS = READ_PRIVILEGES[CsrRequest]


def require_any(privileges: tuple[str, ...]) -> None:
    """Refuse (403) a partner user holding none of the privileges, and staff."""
    if g.user.is_staff or not set(privileges) & set(g.user.privileges):
        raise Forbidden(f"This token's user needs one of the privileges "
                        f"{', '.join(privileges)}.")


def require_staff() -> None:
    if not g.user.is_staff:
        raise Forbidden("Staff tokens only.")


def json_body(*, optional: bool = False) -> dict:
    """Return the request's JSON object, or raise 400 bad_request (NUL, depth: hardening);
    `optional`: an empty body reads as `{}`."""
    from gateway.platform.hardening import parse_json_object

    if optional and not request.get_data(cache=True):
        return {}
    return parse_json_object()

from gateway.api import (  # noqa: E402,F401
    batch_views,
    desk_views,
    note_views,
    protection_views,
    trust_views,
    views,
)
