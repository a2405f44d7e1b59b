"""The composition root: the NPAC registry and the order context that views hand to services.

`create_app` registers the registry factory (the SQL simulator by default; tests may pass
another as the `REGISTRY_FACTORY` key); views ask here instead of building collaborators, and
so does the batch worker (`OrderContexts`: a batch's LSR gets the same collaborators as one
sent alone, business-rules §12.1)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy.orm import Session

from gateway import clock, db
from gateway.models import Partner
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.passcodes import passcode_key
from gateway.services.identity.actors import Actor
from gateway.services.orders.context import OrderContext
from npac.interface import Registry
from validators.carrier_profile import CarrierProfile
from validators.passcode import PasscodeKey

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


@dataclass(frozen=True)
class OrderContexts:
    """What every order context takes from the app, whichever path builds it (a request, the
    batch worker): the registry factory, the carrier profile, BASE_URL for the links in
    emails (§11.2) and the passcode key (§1.3.3). Called with what differs per operation."""

    registry: RegistryFactory
    profile: CarrierProfile
    base_url: str
    passcode_key: PasscodeKey

    def __call__(self, session: Session, partner: Partner | None, actor: Actor, now: datetime,
                 *, channel: str = "api", manual: bool = False) -> OrderContext:
        return OrderContext(session, self.registry(session), partner, actor, now, self.profile,
                            channel=channel, manual=manual, base_url=self.base_url,
                            passcode_key=self.passcode_key)


def order_contexts() -> OrderContexts:
    """The running app's order-context builder (read in its app context)."""
    return OrderContexts(current_app.extensions[_KEY], carrier_profile(),
                         current_app.config["BASE_URL"], passcode_key())


def order_context(partner: Partner | None, actor: Actor, *, channel: str = "api",
                  manual: bool = False) -> OrderContext:
    """The order services' context for one request: its session, registry, clock, profile."""
    return order_contexts()(db.session(), partner, actor, clock.now(), channel=channel,
                            manual=manual)
