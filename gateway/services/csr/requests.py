"""CSR requests (business-rules §3): checked, answered at once, every disclosure audited."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Account, CsrRequest, Partner, Tn
from gateway.services import audit
from gateway.services.csr.loas import store_loa
from gateway.services.identity.actors import Actor
from gateway.services.orders import facts as facts_svc
from gateway.services.outbox import notices
from gateway.services.partners.directory import acting_owner
from gateway.services.policy import Action, Scope, may
from gateway.services.serialize import csr_body, stored_payload
from npac.interface import Registry
from validators import check_csr
from validators.carrier_profile import CarrierProfile
from validators.fields import TN_RE, text_of
from validators.rules import simple_port_eligible

ATTESTATION = ("I affirm that my company holds the end user's authorization to request this "
               "Customer Service Record (AGAUTH = Y).")


def request_csr(session: Session, registry: Registry, body: dict, *, partner: Partner,
                actor: Actor, now: datetime, profile: CarrierProfile, channel: str = "api",
                received_at: datetime | None = None, manual: bool = False) -> CsrRequest:
    """Check a CSR request and answer it at once: the record, or its rejects."""
    received_at = received_at or now
    tn = body.get("tn")
    if isinstance(tn, str):  # read as the rules read it (blanks around are no part of it)
        tn = tn.strip()
    facts = facts_svc.order_facts(session, registry, [tn], profile=profile, now=now)
    decision = check_csr(body, partner=facts_svc.partner_facts(session, partner), facts=facts,
                         profile=profile, received_at=received_at, manual_entry=manual)
    owner = acting_owner(session, partner, text_of(body, "ccna"), "csr")
    req = CsrRequest(
        partner_id=partner.id, owner_partner_id=owner.id, user_id=actor.user_id,
        ccna=(text_of(body, "ccna") or partner.ccna)[:8], tn=str(tn)[:40] if tn else "",
        an=(text_of(body, "an") or "")[:40] or None, agauth=(text_of(body, "agauth") or "")[:8],
        channel=channel, received_at=received_at,
        due_at=decision.due_at, answered_at=now, request=stored_payload(body),
        rejects=[f.as_dict() for f in decision.findings])
    if decision.findings:
        req.status = "rejected"
    else:
        req.status = "returned"
        account = session.get(Account, decision.account_number)
        req.account_number = account.account_number
        req.csr = csr_record(session, account, profile=profile)
        if partner.is_agent and isinstance(body.get("loa"), dict):
            req.loa_id = store_loa(session, partner, body["loa"], now=now).id
    session.add(req)
    session.flush()
    _audit(session, req, actor, now)
    shown = req.tn if TN_RE.match(req.tn) else "(not a TN)"  # never the sender's raw text
    notices.emit(session, f"csr.{req.status}", owner, csr_body(req), now=now,
                 subject=f"CSR {req.status}: TN {shown}", csr_request_id=req.id,
                 body=f"CSR request {req.id} for TN {shown} was {req.status}.")
    return req


def csr_record(session: Session, account: Account, *, profile: CarrierProfile) -> dict:
    """The CSR of §3.3: account, BTN, name, address, TNs with status; never the passcode."""
    tns = session.execute(sa.select(Tn.tn, Tn.status).where(
        Tn.account_number == account.account_number).order_by(Tn.tn)).all()
    working = [tn for tn, status in tns if status == "working"]
    return {
        "account_number": account.account_number, "btn": account.btn,
        "customer_name": account.customer_name, "service_address": account.address(),
        "tns": [{"tn": tn, "status": status} for tn, status in tns],
        "service_class": account.service_class, "une": bool(account.une),
        "simple_port_eligible": simple_port_eligible(
            working_tns=len(working), service_class=account.service_class, une=account.une,
            resold=bool(account.resale_spid)),
        "passcode_required": account.passcode_hash is not None,
        "port_freeze": bool(account.port_freeze),
    }


def _audit(session: Session, req: CsrRequest, actor: Actor, now: datetime) -> None:
    details = {"tn": req.tn, "channel": req.channel, "agauth": req.agauth,
               "attestation": ATTESTATION if req.agauth == "Y" else None,
               "received_at": req.received_at.isoformat()}
    if req.status == "returned":
        audit.record(session, actor, "csr.disclosed", "account", req.account_number, now=now,
                     partner_id=req.owner_partner_id, details={**details, "csr_request": req.id})
    audit.record(session, actor, f"csr.{req.status}", "csr_request", req.id, now=now,
                 partner_id=req.owner_partner_id, after={"status": req.status},
                 details=details)


def get_csr_request(session: Session, req_id: int, scope: Scope) -> CsrRequest | None:
    """Return the request if the actor may read it (business-rules §1.1.1), else None."""
    req = session.get(CsrRequest, req_id)
    return req if may(scope, Action.READ, req) else None
