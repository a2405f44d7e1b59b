"""The one place that reads the environment: configuration keys of api-contract §1."""
from __future__ import annotations

import json
import os
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
}

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": "dev-only-change-me",
    "WTF_CSRF_ENABLED": True,
    "FROZEN_NOW": None,
    "CARRIER_PROFILE": None,
    "SMTP_URL": None,
    "SMTP_FROM": "lnp-desk@portgate.invalid",
    "BASE_URL": "http://127.0.0.1:5000",
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
}

_TRUE = {"1", "true", "yes", "on"}
_BOOL_KEYS = {"WEBHOOK_HTTPS_ONLY", "SESSION_COOKIE_SECURE", "WEBHOOK_ALLOW_PRIVATE"}


def _from_env() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, env in ENV_KEYS.items():
        raw = os.environ.get(env)
        if raw is None:
            continue
        values[key] = raw.strip().lower() in _TRUE if key in _BOOL_KEYS else raw
    return values


def build_config(instance_path: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge defaults, environment and the factory's mapping (the mapping wins)."""
    config = dict(DEFAULTS)
    config["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'portgate.db'}"
    config.update(_from_env())
    config.update(overrides or {})
    return config


def load_profile(path: str | None) -> CarrierProfile:
    """Load the carrier profile JSON at `path`, or the built-in profile of business-rules §1.2."""
    if not path:
        return CarrierProfile.from_dict(None)
    with open(path, encoding="utf-8") as handle:
        return CarrierProfile.from_dict(json.load(handle))
