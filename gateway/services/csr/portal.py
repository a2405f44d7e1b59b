"""CSR requests from the portal: the attestation kept as evidence, downloads audited (§3)."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import CsrRequest, Partner
from gateway.services import audit
from gateway.services.csr import requests as csr_svc
from gateway.services.identity.actors import Actor
from npac.interface import Registry
from validators.carrier_profile import CarrierProfile

TEXT = csr_svc.ATTESTATION
# The version names the exact wording: a change of text is a new version in the evidence.
VERSION = "v1-" + hashlib.sha256(TEXT.encode("utf-8")).hexdigest()[:10]


def request_attested(session: Session, registry: Registry, body: dict, *, partner: Partner,
                     attested: bool, actor: Actor, now: datetime,
                     profile: CarrierProfile) -> CsrRequest:
    """Request a CSR on the requester's attestation; keep text, version, user, time and IP."""
    if not attested:
        raise InvalidInput("The attestation must be affirmed to request a CSR.",
                           code="not_attested")
    req = csr_svc.request_csr(session, registry, {**body, "agauth": "Y"}, partner=partner,
                              actor=actor, now=now, profile=profile, channel="portal")
    audit.record(session, actor, "csr.attestation", "csr_request", req.id, now=now,
                 partner_id=req.owner_partner_id,
                 details={"text": TEXT, "version": VERSION, "user": actor.label,
                          "user_id": actor.user_id, "attested_at": now.isoformat(),
                          "tn": req.tn, "status": req.status})
    return req


def record_download(session: Session, req: CsrRequest, fmt: str, *, actor: Actor,
                    now: datetime) -> None:
    """A CSR downloaded again is CPNI leaving the portal: write it to the audit trail (§3.4)."""
    audit.record(session, actor, "csr.downloaded", "csr_request", req.id, now=now,
                 partner_id=req.owner_partner_id,
                 details={"format": fmt, "account": req.account_number, "tn": req.tn})
