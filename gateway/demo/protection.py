"""Demo story of port-out protection (business-rules §11) for seed-demo: one order the end user
disputed (on hold, heading the desk's queue) and one fraud review waiting for staff."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gateway.services.identity.actors import Actor
from gateway.services.orders import supplements
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest
from gateway.services.protection.disputes import dispute_order


def seed_protection(orders: Any, simple: Any, now: datetime) -> dict[str, int]:
    """File the two stories through the real services; return what was made."""
    made = {"disputed": 0, "fraud_review": 0}
    account = orders.take(["residential"], simple)
    if account is not None:
        at = now - timedelta(minutes=50)
        lsr = orders.send(account, account.tns, at=at, ccna="TWV")
        if lsr.status == "foc":
            ctx = OrderContext(orders.session, orders.registry, None,
                               Actor(None, "end user (dispute link)", ip="203.0.113.45"),
                               now - timedelta(minutes=20), orders.profile)
            dispute_order(ctx, lsr)
            made["disputed"] = 1
    account = orders.take(["residential"], simple)
    if account is not None:  # Ridge's port is canceled; a day later Keystone asks for the line
        at = now - timedelta(days=1)
        first = orders.send(account, account.tns, at=at, ccna="RDG")
        if first.status == "foc":
            supplements.supplement(orders.context("RDG", "ridge.orders", at + timedelta(hours=1)),
                                   first, LsrRequest.parse({"sup": "1", "ver": "2",
                                                            "pon": first.pon}))
            second = orders.send(account, account.tns, at=now - timedelta(minutes=40),
                                 ccna="KCN")
            made["fraud_review"] = int(second.review_reason == "fraud_review")
    return made
