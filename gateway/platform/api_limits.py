"""The /api/v1 rate limit per partner (api-contract §1 `API_RATE_LIMIT`), with Flask-Limiter.

Counted per partner company (every user and token of it together; an agent for itself, not for
the carriers it acts for) in a fixed one-minute window of wall-clock time (never the frozen
clock), in `RATELIMIT_STORAGE_URI`: in-process memory by default, Redis when several processes
serve. Staff tokens are not limited. Past the limit: 429 `rate_limited` with `Retry-After`,
before the view runs, so nothing is recorded.

Flask-Limiter makes the storage and the strategy from the app's `RATELIMIT_*` settings; the
request is counted by one `hit` of its strategy (`check`), with the keys Flask-Limiter's shared
limit used, not by `Limiter.check`, which resolves every limit of the endpoint again on every
request: ~6 % of an in-process 1-TN LSR went there (issue 17; the count itself ~2 %).
"""
from __future__ import annotations

import functools
import math
import time

from flask import Flask, current_app, g, jsonify
from flask_limiter import Limiter
from limits import RateLimitItem, RateLimitItemPerMinute

from gateway.errors import error_body

EXTENSION = "portgate_api_limiter"
SCOPE = "api-v1"


def _per_minute() -> int:
    return int(current_app.config.get("API_RATE_LIMIT") or 0)


@functools.lru_cache(maxsize=8)
def _limit(per_minute: int) -> RateLimitItem:
    return RateLimitItemPerMinute(per_minute)


class RateLimited(Exception):
    """Past the partner's limit; `reset_at`: when its window ends (epoch seconds)."""

    def __init__(self, reset_at: float) -> None:
        super().__init__(reset_at)
        self.reset_at = reset_at


def _rate_limited(err: RateLimited):
    wait = min(60, max(1, math.ceil(err.reset_at - time.time())))  # a window is one minute
    body = error_body("rate_limited", f"More than {_per_minute()} API requests in this minute "
                      f"from your company; try again in {wait} seconds.")
    return jsonify(body), 429, {"Retry-After": str(wait)}


def init_app(app: Flask) -> Limiter:
    """Make the limiter's storage and strategy from the app's settings (counted by `check`,
    once the token is known)."""
    app.config["API_RATE_LIMIT"] = int(app.config.get("API_RATE_LIMIT") or 0)
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    # no limit of its own is registered (`check` counts), so its key function is never called
    limiter = Limiter(key_func=lambda: SCOPE, auto_check=False, headers_enabled=False,
                      swallow_errors=True)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimited, _rate_limited)
    return limiter


def _keys(partner_id: int) -> list[str]:
    """The partner's count's keys, those of Flask-Limiter's shared limit before: the prefix
    (when set), the partner, the scope."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    return [k for k in (prefix, f"partner:{partner_id}", SCOPE) if k]


def check() -> None:
    """Count this request for the signed-in token's partner; raise RateLimited past it. A
    storage outage (Redis down) lets the request through, logged: ports must not stop for a
    counter."""
    per_minute = _per_minute()
    if per_minute <= 0:  # no limit set: nothing to count (and no storage round trip)
        return
    user = g.get("user")
    limiter: Limiter | None = current_app.extensions.get(EXTENSION)
    if user is None or user.is_staff or user.partner_id is None or limiter is None \
            or not limiter.enabled:  # (Flask-Limiter's RATELIMIT_ENABLED, as Limiter.check)
        return
    limit, keys = _limit(per_minute), _keys(user.partner_id)
    try:
        if limiter.limiter.hit(limit, *keys):
            return
        reset_at = limiter.limiter.get_window_stats(limit, *keys).reset_time
    except Exception:  # noqa: BLE001 - the storage's errors, whatever its client raises
        current_app.logger.exception("Failed to rate limit; the request goes through")
        return
    raise RateLimited(reset_at)
