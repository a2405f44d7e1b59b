"""CSR batches (business-rules §12.2): up to 100 CSR requests, each answered as if alone."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.models import CsrRequest, Partner
from gateway.services.batches.intake import json_objects
from gateway.services.csr import requests as csr_svc
from gateway.services.identity.actors import Actor
from npac.interface import Registry
from validators.carrier_profile import CarrierProfile

MAX_CSRS = 100


def request_csrs(session: Session, registry: Registry, payload: Mapping[str, Any], *,
                 partner: Partner, actor: Actor, now: datetime,
                 profile: CarrierProfile) -> list[CsrRequest]:
    """Answer each request in the order sent. A request that alone would be refused with an
    HTTP error (not a reject) refuses the batch, naming it: nothing is recorded."""
    requests = json_objects(payload, "requests", MAX_CSRS, "CSR request")
    answered = []
    for index, body in enumerate(requests):
        try:
            answered.append(csr_svc.request_csr(session, registry, body, partner=partner,
                                                actor=actor, now=now, profile=profile))
        except GatewayError as err:
            err.message = f"requests[{index}]: {err.message}"
            raise
    return answered
