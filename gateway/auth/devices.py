"""Device cookies: a browser that signed in as a user before is known to the login throttle.

The per-address block (gateway.platform.ratelimit) must not stop an office behind one address
while somebody there guesses: a browser holding a device cookie for the username it signs in as
is held only by the back-off of that username on that device (OWASP's "device cookie" answer
to lock-outs). The cookie is signed with SECRET_KEY; it grants nothing by itself.
"""
from __future__ import annotations

import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "portgate_device"
MAX_AGE = 90 * 24 * 3600
MAX_NAMES = 8  # a shared desk computer: a few users per browser


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portgate.device")


def _read() -> dict:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("u"), list) \
            or not isinstance(data.get("d"), str):
        return {}
    return data


def device_for(username: str | None) -> str | None:
    """The device id when this browser signed in as `username` before, else None."""
    data = _read()
    name = (username or "").strip().lower()
    return data["d"] if name and name in data.get("u", []) else None


def remember(response: Response, username: str) -> Response:
    """Mark this browser as one `username` signs in from (after a complete sign-in)."""
    data = _read() or {"d": secrets.token_urlsafe(16), "u": []}
    names = [n for n in data["u"] if n != username.lower()] + [username.lower()]
    data["u"] = names[-MAX_NAMES:]
    config = current_app.config
    response.set_cookie(COOKIE, _serializer().dumps(data), max_age=MAX_AGE, httponly=True,
                        secure=bool(config.get("SESSION_COOKIE_SECURE")), samesite="Lax")
    return response
