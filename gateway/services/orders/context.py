"""What every step of one order operation needs, built once per request by the composition
root (`gateway.platform.composition`) and frozen: the session, the NPAC registry, who acts,
for which partner, when, under which carrier profile."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from gateway.models import Partner
from gateway.services.identity.actors import Actor
from npac.interface import Registry
from validators.carrier_profile import CarrierProfile
from validators.passcode import PasscodeKey

if TYPE_CHECKING:
    from gateway.services.orders.facts import AccountRow
    from gateway.services.outbox.notices import Outbox


@dataclass
class Loaded:
    """Rows one decision loaded, reused by the step that writes its outcome (no second look)."""

    accounts: dict[str, AccountRow] = field(default_factory=dict)
    open_svs: tuple[frozenset[str], list[Any] | None] = (frozenset(), None)
    # §11.3: account -> ids of the other carriers' recent orders, when the facts loaded them
    risk: dict[str, tuple[int, ...]] | None = None
    # partner id -> its active users' and contacts' (email, types, categories), for the outbox
    addressees: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    fresh_order_id: int | None = None  # the order this call created (it has no index rows yet)
    locked_tns: frozenset[str] = frozenset()  # TNs whose accounts this transaction has locked
    locked_accounts: tuple[str, ...] = ()  # those accounts (PostgreSQL's lock on the INSERT)
    outbox: Outbox | None = None  # the notices of the transition under way (transitions._stepped)
    new_versions: list[tuple[int, Any]] = field(default_factory=list)  # (order id, LsrVersion)

    def clear(self) -> None:
        self.accounts, self.open_svs, self.risk, self.addressees = \
            {}, (frozenset(), None), None, {}

    def remember(self, kept: dict[str, Any]) -> None:
        """What a decision's facts loaded (`facts.order_facts`'s `keep`), for the step."""
        self.accounts = kept.get("accounts", {})
        self.open_svs = kept.get("open_svs", (frozenset(), None))
        self.risk = kept.get("risk") if "risk_window" in kept else None
        self.addressees = kept.get("addressees", {})


@dataclass(frozen=True)
class OrderContext:
    """The collaborators and values of one order operation."""

    session: Session
    registry: Registry
    partner: Partner | None  # the sending partner; None for the desk's own acts and clocks
    actor: Actor
    now: datetime
    profile: CarrierProfile
    channel: str = "api"
    manual: bool = False
    base_url: str = "http://127.0.0.1:5000"  # config BASE_URL: links in emails (§11.2)
    cache: Loaded = field(default_factory=Loaded)
    passcode_key: PasscodeKey | None = None  # to judge and re-hash passcodes (§1.3.3)

    @property
    def pepper(self) -> bytes | None:
        """The passcode key's pepper (None: a context built without the key)."""
        return self.passcode_key.pepper if self.passcode_key is not None else None

    @property
    def partner_id(self) -> int | None:
        return self.partner.id if self.partner is not None else None

    def sender(self) -> Partner:
        """The sending partner (the order services that receive requests need one)."""
        if self.partner is None:
            raise LookupError("this operation needs a sending partner")
        return self.partner
