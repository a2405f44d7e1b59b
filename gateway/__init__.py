"""Portgate: the losing carrier's port-out gateway (application factory)."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the Portgate app; `config` overrides environment and defaults."""
    from gateway.db import UnitOfWorkApp

    app = UnitOfWorkApp(__name__, instance_relative_config=True,
                        template_folder=str(ROOT / "templates"), static_folder="static")
    from gateway.platform.json_text import JSONProvider

    app.json = JSONProvider(app)  # Flask's provider, its JSON made and read by orjson
    from gateway.config import build_config, check_secret_key, instance_secret_key, load_profile

    app.config.update(build_config(app.instance_path, config))
    if not app.config.get("SECRET_KEY"):  # no built-in key (api-contract §1)
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    check_secret_key(app.config["SECRET_KEY"])
    if app.config["DATABASE_URL"].startswith("sqlite:///") and not config_has_db(config):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.extensions["portgate_profile"] = load_profile(app.config.get("CARRIER_PROFILE"))
    register_extensions(app)
    register_composition(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_rate_limits(app)
    register_commands(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_trust(app)
    register_sessions(app)
    register_proxies(app)
    return app


def config_has_db(config: Mapping[str, Any] | None) -> bool:
    return bool(config and config.get("DATABASE_URL"))


def register_extensions(app: Flask) -> None:
    from gateway import auth, db
    from gateway.extensions import csrf, login_manager
    from gateway.platform.database_schema import ensure_schema

    database = db.init_app(app)
    if app.config.get("AUTO_SCHEMA", True):
        ensure_schema(database)
    csrf.init_app(app)
    login_manager.init_app(app)
    auth.init_login(app)


def register_composition(app: Flask) -> None:
    from gateway.platform import token_cache
    from gateway.platform.composition import init_app

    init_app(app)
    app.extensions["portgate.token_cache"] = token_cache.register(
        token_cache.TokenCache(ttl=float(app.config["TOKEN_CACHE_SECONDS"])))


def register_blueprints(app: Flask) -> None:
    from gateway.api import bp as api_bp
    from gateway.auth.views import bp as auth_bp
    from gateway.extensions import csrf
    from gateway.health import bp as health_bp
    from gateway.npac_api import bp as npac_bp
    from gateway.partner_admin import bp as partner_admin_bp
    from gateway.portal import bp as portal_bp
    from gateway.staff import bp as staff_bp
    from gateway.staff.welcome import welcome_bp
    from gateway.stop import bp as stop_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp)
    csrf.exempt(api_bp)  # bearer-token API: no cookies, so no CSRF
    csrf.exempt(npac_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(npac_bp, url_prefix="/api/v1/npac")
    app.register_blueprint(partner_admin_bp, url_prefix="/admin")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(welcome_bp)  # new partner admins choose a password (onboarding)
    app.register_blueprint(stop_bp)  # the end user's dispute link (§11.2), no sign-in


def register_errorhandlers(app: Flask) -> None:
    from gateway.errors import register_errorhandlers as register

    register(app)


def register_rate_limits(app: Flask) -> None:
    """The /api/v1 rate limit per partner (gateway.platform.api_limits, Flask-Limiter)."""
    from gateway.platform.api_limits import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from gateway.cli import register_cli

    register_cli(app)


def register_template_helpers(app: Flask) -> None:
    from gateway.platform.templating import register_template_helpers as register

    register(app)


SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; "
                                "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'self'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def register_security_headers(app: Flask) -> None:
    """Strict headers on every answer: no inline script, no framing, no sniffing."""

    @app.after_request
    def _headers(response):
        # the names already set, read once: `Headers.setdefault` asks `in`, which raises and
        # catches a KeyError for every absent name (~2 µs each, eight per answer)
        present = {name.lower() for name, _ in response.headers}
        for name, value in SECURITY_HEADERS.items():
            if name.lower() not in present:
                response.headers.add(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def register_sessions(app: Flask) -> None:
    """Session limits, the second factor and temporary passwords on every page (§1.3.1)."""
    from gateway.auth.sessions import register_session_guard

    register_session_guard(app)


def register_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto from exactly PROXY_COUNT reverse proxies (0: none), so the
    login throttle and the audit trail see each client's address, not the balancer's. Read on
    every request, like FROZEN_NOW: the key can be changed on a running app."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    inner = app.wsgi_app

    def trusted_proxies(environ, start_response):
        count = int(app.config.get("PROXY_COUNT") or 0)
        if count > 0:
            return ProxyFix(inner, x_for=count, x_proto=count)(environ, start_response)
        return inner(environ, start_response)

    app.wsgi_app = trusted_proxies


def register_trust(app: Flask) -> None:
    """Input hardening (NUL, depth), cookie flags behind TLS (gateway.platform.hardening)."""
    from gateway.platform.hardening import register_hardening

    register_hardening(app)
