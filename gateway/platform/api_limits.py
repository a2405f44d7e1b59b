"""The /api/v1 rate limit per partner (api-contract §1 `API_RATE_LIMIT`), with Flask-Limiter.

Counted per partner company (every user and token of it together; an agent for itself, not for
the carriers it acts for) in a fixed one-minute window of wall-clock time (never the frozen
clock), in `RATELIMIT_STORAGE_URI`: in-process memory by default, Redis when several processes
serve. Staff tokens are not limited. Past the limit: 429 `rate_limited` with `Retry-After`,
before the view runs, so nothing is recorded.
"""
from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, jsonify
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from gateway.errors import error_body

EXTENSION = "portgate_api_limiter"
SCOPE = "api-v1"


def _per_minute() -> int:
    return int(current_app.config.get("API_RATE_LIMIT") or 0)


def _limit_value() -> str:
    return f"{max(1, _per_minute())} per 1 minute"


def _partner_key() -> str:
    user = g.get("user")
    return f"partner:{user.partner_id}" if user is not None else "anonymous"


def _exempt() -> bool:
    user = g.get("user")
    return _per_minute() <= 0 or user is None or user.is_staff or user.partner_id is None


def _rate_limited(_err: RateLimitExceeded):
    limiter: Limiter = current_app.extensions[EXTENSION]
    current = limiter.current_limit
    reset_at = current.reset_at if current is not None else time.time() + 60
    wait = min(60, max(1, math.ceil(reset_at - time.time())))  # a window is one minute
    body = error_body("rate_limited", f"More than {_per_minute()} API requests in this minute "
                      f"from your company; try again in {wait} seconds.")
    return jsonify(body), 429, {"Retry-After": str(wait)}


def init_app(app: Flask) -> Limiter:
    """Install the limiter on the /api/v1 blueprints (checked once the token is known)."""
    from gateway.api import bp as api_bp
    from gateway.npac_api import bp as npac_bp

    app.config["API_RATE_LIMIT"] = int(app.config.get("API_RATE_LIMIT") or 0)
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    # checked explicitly after authentication (check()), not before every request; a storage
    # outage (Redis down) lets requests through, logged: ports must not stop for a counter
    limiter = Limiter(key_func=_partner_key, auto_check=False, headers_enabled=False,
                      swallow_errors=True)
    limiter.init_app(app)
    limit = limiter.shared_limit(_limit_value, scope=SCOPE, key_func=_partner_key,
                                 exempt_when=_exempt)
    for blueprint in (api_bp, npac_bp):
        limit(blueprint)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    return limiter


def check() -> None:
    """Count this request for the signed-in token's partner; raise RateLimitExceeded past it."""
    if _per_minute() <= 0:  # no limit set: nothing to count (and no storage round trip)
        return
    limiter: Limiter | None = current_app.extensions.get(EXTENSION)
    if limiter is not None:
        limiter.check()
