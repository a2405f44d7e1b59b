"""The one place that reads the environment: configuration keys of api-contract §1."""
from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from validators.carrier_profile import CarrierProfile

# config key -> environment variable (api-contract §1)
ENV_KEYS = {
    "DATABASE_URL": "DATABASE_URL",
    "FROZEN_NOW": "PORTGATE_FROZEN_NOW",
    "CARRIER_PROFILE": "PORTGATE_CARRIER_PROFILE",
    "SMTP_URL": "PORTGATE_SMTP_URL",
    "SECRET_KEY": "PORTGATE_SECRET_KEY",
    "WEBHOOK_HTTPS_ONLY": "PORTGATE_WEBHOOK_HTTPS_ONLY",
    "SMTP_FROM": "PORTGATE_SMTP_FROM",
    "SESSION_COOKIE_SECURE": "PORTGATE_SESSION_COOKIE_SECURE",  # behind TLS
    "BASE_URL": "PORTGATE_BASE_URL",  # public address in every link Portgate sends (§1)
    "WEBHOOK_ALLOW_PRIVATE": "PORTGATE_WEBHOOK_ALLOW_PRIVATE",
    "API_RATE_LIMIT": "PORTGATE_API_RATE_LIMIT",
    "PASSCODE_PEPPER": "PORTGATE_PASSCODE_PEPPER",
    "RATELIMIT_STORAGE_URI": "PORTGATE_RATELIMIT_STORAGE_URI",
    "PROXY_COUNT": "PORTGATE_PROXY_COUNT",
    "DATABASE_POOL_CHECK": "PORTGATE_DATABASE_POOL_CHECK",
    "DATABASE_PLAN_CACHE_MODE": "PORTGATE_DATABASE_PLAN_CACHE_MODE",
}

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,  # no built-in key (api-contract §1): see instance_secret_key()
    "BASE_URL": "http://127.0.0.1:5000",  # every link Portgate sends starts here
    "PROXY_COUNT": 0,  # reverse proxies in front (X-Forwarded-For/-Proto trusted that deep)
    # sessions (business-rules §1.3.1), wall-clock seconds: idle limit and absolute limit
    "SESSION_IDLE_SECONDS": 30 * 60,
    "SESSION_MAX_SECONDS": 12 * 3600,
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    "REMEMBER_COOKIE_DURATION": 12 * 3600,
    # TESTING only: replaces the carrier profile's mfa_roles (tests that are not about MFA)
    "MFA_REQUIRED_ROLES": None,
    "WTF_CSRF_ENABLED": True,
    "FROZEN_NOW": None,
    "CARRIER_PROFILE": None,
    "SMTP_URL": None,
    "SMTP_FROM": "lnp-desk@portgate.invalid",
    "WEBHOOK_HTTPS_ONLY": False,
    # webhooks only to global addresses (api-contract §1); tests on loopback receivers turn it on
    "WEBHOOK_ALLOW_PRIVATE": False,
    # /api/v1 requests per partner per wall-clock minute (0: no limit) and where the counts live
    # (Flask-Limiter: memory:// in one process, redis://host:6379/N when several serve)
    "API_RATE_LIMIT": 6000,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "portgate",
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # LOA (5 MB) base64-encoded, with headroom
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    # argon2id parameters; tests lower them (a hash per user created is a real cost there)
    "PASSWORD_HASH": {"time_cost": 3, "memory_cost": 65536, "parallelism": 2},
    # account passcodes (§1.3.3): scrypt cost of new hashes; the pepper is PASSCODE_PEPPER, or
    # derived from SECRET_KEY when unset (gateway.platform.passcodes)
    "PASSCODE_HASH": {"n": 2 ** 14, "r": 8, "p": 1},
    "PASSCODE_PEPPER": None,
    "API_PAGE_MAX": 200,
    "AUTO_SCHEMA": True,
    # cookies: Secure (and HSTS) when served over TLS; REMEMBER_COOKIE_* follow the session's
    "SESSION_COOKIE_SECURE": False,
    # login throttle per client IP (gateway.platform.ratelimit): failures in a window, then a block
    "LOGIN_IP_MAX_FAILURES": 20,
    "LOGIN_IP_WINDOW_SECONDS": 600,
    "LOGIN_IP_BLOCK_SECONDS": 900,
    # API token look-ups cached per process this long (0: off); gateway.platform.token_cache
    "TOKEN_CACHE_SECONDS": 1.0,
    # how a pooled PostgreSQL connection is checked when a request takes it (gateway.db):
    # "socket" (no round trip: a connection the server closed is replaced), "ping" (SQLAlchemy's
    # pool_pre_ping, one round trip per checkout) or "none" (docs/decisions.md, issue 17)
    "DATABASE_POOL_CHECK": "socket",
    # PostgreSQL's plan_cache_mode on every connection (gateway.db): "force_generic_plan" plans
    # a repeated statement once; "auto" is PostgreSQL's own default (docs/decisions.md, issue 17)
    "DATABASE_PLAN_CACHE_MODE": "force_generic_plan",
}

_TRUE = {"1", "true", "yes", "on"}
_BOOL_KEYS = {"WEBHOOK_HTTPS_ONLY", "SESSION_COOKIE_SECURE", "WEBHOOK_ALLOW_PRIVATE"}
_INT_KEYS = {"PROXY_COUNT"}
# the key this app once shipped with: public, so never accepted again
RETIRED_SECRET_KEYS = {"dev-only-change-me"}
SECRET_KEY_FILE = "secret_key"


def _from_env() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, env in ENV_KEYS.items():
        raw = os.environ.get(env)
        if raw is None:
            continue
        if key in _BOOL_KEYS:
            values[key] = raw.strip().lower() in _TRUE
        elif key in _INT_KEYS:
            values[key] = int(raw)
        else:
            values[key] = raw
    return values


def build_config(instance_path: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge defaults, environment and the factory's mapping (the mapping wins)."""
    config = dict(DEFAULTS)
    config["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'portgate.db'}"
    config.update(_from_env())
    config.update(overrides or {})
    return config


def rate_limit_warning(config: Mapping[str, Any], processes: int) -> str | None:
    """What to tell an operator who serves the API from several processes with the rate limit
    counted in each (api-contract §1: `redis://…` when several processes serve), else None."""
    limit = int(config.get("API_RATE_LIMIT") or 0)
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if processes <= 1 or limit <= 0 or not storage.startswith("memory://"):
        return None
    return (f"API_RATE_LIMIT {limit}/min is counted in each of {processes} processes "
            f"(RATELIMIT_STORAGE_URI {storage}): a partner may make up to {limit * processes} "
            "requests a minute; set PORTGATE_RATELIMIT_STORAGE_URI=redis://… to share the count")


def instance_secret_key(instance_path: str) -> str:
    """The instance's own random key: read from the instance folder, generated there once.

    Flask's deployment docs recommend a random key kept outside the code; an app run without a
    configured key gets one here (mode 0600) and keeps it across restarts, so sessions and
    welcome links survive a restart while no two installations share a key.
    """
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_KEY_FILE
    if not path.exists():
        # written whole to a private temporary file, then linked into place: of two processes
        # starting at once one link wins and both read the same complete key
        tmp = folder / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key; delete it to get a new one")
    return key


def check_secret_key(key: Any) -> None:
    """Refuse the retired built-in key: anyone can forge a session with it."""
    if str(key) in RETIRED_SECRET_KEYS:
        raise RuntimeError("SECRET_KEY is the retired built-in key; set your own or unset it "
                           "to have one generated in the instance folder")


def load_profile(path: str | None) -> CarrierProfile:
    """Load the carrier profile JSON at `path`, or the built-in profile of business-rules §1.2."""
    if not path:
        return CarrierProfile.from_dict(None)
    with open(path, encoding="utf-8") as handle:
        return CarrierProfile.from_dict(json.load(handle))
