"""The composition root: the NPAC registry and the order context that views hand to services.

`create_app` registers the registry factory (the SQL simulator by default; tests may pass
another as the `REGISTRY_FACTORY` key); views ask here instead of building collaborators."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy.orm import Session

from gateway import clock, db
from gateway.models import Partner
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.passcodes import passcode_key
from gateway.services.identity.actors import Actor
from gateway.services.orders.context import OrderContext
from npac.interface import Registry

RegistryFactory = Callable[[Session], Registry]
_KEY = "portgate.registry_factory"


def init_app(app: Flask) -> None:
    """Register the registry factory of this app."""
    from npac.simulator import SqlRegistry

    app.extensions[_KEY] = app.config.get("REGISTRY_FACTORY") or SqlRegistry


def registry(session: Session | None = None) -> Registry:
    """The NPAC registry on the request's session (or the one given)."""
    factory: RegistryFactory = current_app.extensions[_KEY]
    return factory(session if session is not None else db.session())


def order_context(partner: Partner | None, actor: Actor, *, channel: str = "api",
                  manual: bool = False) -> OrderContext:
    """The order services' context for one request: its session, registry, clock, profile."""
    session = db.session()
    return OrderContext(session, registry(session), partner, actor, clock.now(),
                        carrier_profile(), channel=channel, manual=manual,
                        base_url=current_app.config["BASE_URL"],
                        passcode_key=passcode_key())
