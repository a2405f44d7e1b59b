"""API routes: parse, call one service, answer (api-contract §4.1, §4.2, §4.4)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify, request

from gateway import clock, db
from gateway.api import READ_CSRS, READ_LSRS, bp, json_body, require, require_any, require_staff
from gateway.api.openapi import openapi_document
from gateway.errors import InvalidInput, NotFound
from gateway.models import Partner
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.schemas import (
    DecisionSchema,
    EscalationRequestSchema,
    ManualCsrSchema,
    ManualLsrSchema,
)
from gateway.services import cpni, policy
from gateway.services.csr import requests as csr_svc
from gateway.services.desk import accounts, queue
from gateway.services.escalations import ladder as escalations
from gateway.services.orders import decisions, manual_entry, queries, supplements
from gateway.services.orders import dry_run as validate_svc
from gateway.services.orders import submit as lsr_svc
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest
from gateway.services.partners.directory import partner_by_ccna
from gateway.services.serialize import csr_body, iso, lsr_body


def _ctx(partner: Partner | None = None, **kwargs: Any) -> OrderContext:
    """The order context of the token's partner (or, for staff acts, of the partner given)."""
    return composition.order_context(partner or g.user.partner, g.actor, **kwargs)


def _paging() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError:
        raise InvalidInput("page and per_page must be whole numbers.") from None
    if not 1 <= page <= 1_000_000 or not 1 <= per_page <= 200:
        raise InvalidInput("page must be between 1 and 1000000 and per_page between 1 and 200.")
    return page, per_page


def _reader_scope(privileges: tuple[str, ...] = READ_LSRS) -> policy.Scope:
    """Staff read every order; a partner user needs a reading privilege (else 403) and reads
    what business-rules §1.1.1 lets it see."""
    if g.user.is_staff:
        return policy.STAFF
    require_any(privileges)
    return policy.scope_for(db.session(), g.actor)


@bp.post("/csr-requests")
def create_csr_request():
    require("csr")
    ctx = _ctx()
    req = csr_svc.request_csr(ctx.session, ctx.registry, json_body(), partner=ctx.partner,
                              actor=ctx.actor, now=ctx.now, profile=ctx.profile)
    return jsonify(csr_body(req)), 201


@bp.get("/csr-requests/<int:req_id>")
def get_csr_request(req_id: int):
    req = csr_svc.get_csr_request(db.session(), req_id, _reader_scope(READ_CSRS))
    if req is None:
        raise NotFound(f"No CSR request {req_id}.")
    cpni.csr_viewed(db.session(), req, actor=g.actor, now=clock.now(), channel="api")
    return jsonify(csr_body(req))


@bp.get("/csr-requests")
def list_csr_requests():
    page, per_page = _paging()
    result = queries.list_csr_requests(db.session(), _reader_scope(READ_CSRS),
                                       tn=request.args.get("tn") or None, page=page,
                                       per_page=per_page)
    return jsonify({"items": [csr_body(r) for r in result.items], "page": result.page,
                    "per_page": result.per_page, "total": result.total})


@bp.post("/lsrs")
def create_lsr():
    require("lsr")
    req = LsrRequest.parse(json_body())
    ctx = _ctx()
    if req.is_supplement:  # a blank SUP counts as absent
        lsr = supplements.order_for_pon(ctx, req)
        return jsonify(supplements.supplement(ctx, lsr, req).body()), 200
    result = lsr_svc.submit(ctx, req)
    # the body made and serialized after the unit of work's commit (db.UnitOfWorkApp)
    return db.AfterCommit(lambda: lsr_body(result.lsr)), 201 if result.created else 200


@bp.post("/lsrs/validate")
def validate_lsr():
    require("lsr")
    body = json_body()
    sup = body.get("sup")
    if sup is not None and not (isinstance(sup, str) and not sup.strip()):
        # api-contract §4.2: a body with `sup` set is refused (a SUP of any JSON type)
        raise InvalidInput("A dry run checks new LSRs and resubmissions, not supplements.",
                           fields={"sup": "must be absent or blank"})
    ctx = _ctx()
    return jsonify(validate_svc.dry_run(ctx, LsrRequest.parse(body)))


@bp.get("/lsrs/<int:lsr_id>")
def get_lsr(lsr_id: int):
    lsr = queries.get_lsr(db.session(), lsr_id, _reader_scope())
    if lsr is None:
        raise NotFound(f"No LSR {lsr_id}.")
    return jsonify(lsr_body(lsr))


@bp.get("/lsrs")
def list_lsrs():
    page, per_page = _paging()
    args = request.args
    result = queries.list_lsrs(db.session(), _reader_scope(), pon=args.get("pon") or None,
                               tn=args.get("tn") or None, status=args.get("status") or None,
                               page=page, per_page=per_page)
    return jsonify({"items": [lsr_body(o) for o in result.items], "page": result.page,
                    "per_page": result.per_page, "total": result.total})


@bp.post("/lsrs/<int:lsr_id>/supplements")
def supplement_lsr(lsr_id: int):
    require("lsr")
    req = LsrRequest.parse(json_body())
    ctx = _ctx()
    lsr = queries.get_lsr(ctx.session, lsr_id, policy.scope_for(ctx.session, ctx.actor),
                          action=policy.Action.SUPPLEMENT, for_update=True)
    if lsr is None:  # §1.1.1: by id as by PON
        raise supplements.unknown_pon(req.raw.get("pon"))
    return jsonify(supplements.supplement(ctx, lsr, req).body())


@bp.post("/lsrs/<int:lsr_id>/escalations")
def escalate_lsr(lsr_id: int):
    require_any(READ_LSRS)
    data = EscalationRequestSchema().load(json_body())
    session = db.session()
    lsr = queries.get_lsr(session, lsr_id, policy.scope_for(session, g.actor),
                          action=policy.Action.ESCALATE)
    if lsr is None:
        raise NotFound(f"No LSR {lsr_id}.")
    escalation, contact = escalations.escalate_order(
        session, lsr, reason=data["reason"], text=data["text"], actor=g.actor,
        now=clock.now(), profile=carrier_profile(), partner_ticket=data["partner_ticket"],
        problem_started_at=data["problem_started_at"])
    return jsonify({"id": escalation.id, "level": escalation.level,
                    "contact": contact.as_dict() if contact else None,
                    "partner_ticket": escalation.partner_ticket,
                    "problem_started_at": iso(escalation.problem_started_at)}), 201


@bp.get("/escalation-contacts")
def escalation_contacts():
    state = (request.args.get("state") or "").upper()
    if state not in carrier_profile().states:
        raise InvalidInput(f"state {state!r} is not a state the carrier serves.")
    levels = escalations.contacts_for_state(db.session(), state)
    return jsonify({"state": state, "levels": [c.as_dict() for c in levels]})


@bp.get("/staff/queue")
def staff_queue():
    require_staff()
    items = queue.work_queue(db.session())
    return jsonify({"items": [{**item, "due_at": iso(item["due_at"])} for item in items]})


@bp.post("/staff/lsrs/<int:lsr_id>/decision")
def staff_decision(lsr_id: int):
    require_staff()
    data = DecisionSchema().load(json_body())
    ctx = _ctx(partner=None)
    lsr = queries.get_lsr(ctx.session, lsr_id, policy.STAFF, for_update=True)
    if lsr is None:
        raise NotFound(f"No LSR {lsr_id}.")
    decisions.decide_order(ctx, lsr, action=data["action"], due_date=_staff_date(data),
                           codes=data.get("codes"), remarks=data.get("remarks", ""),
                           due_time=data.get("due_time"))
    return jsonify(lsr_body(lsr))


def _staff_date(data: dict):
    """The decision's FOC date; a value that is not a date is refused like a bad date (§7.2)."""
    text = data.get("due_date")
    if text is None:
        return None
    try:
        if not isinstance(text, str):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"due_date {str(text)[:40]!r} is not a date YYYY-MM-DD.",
                           code="invalid_due_date", fields={"due_date": "not a date"}) from None


@bp.post("/staff/manual-lsrs")
def staff_manual_lsr():
    require_staff()
    data = ManualLsrSchema().load(json_body())
    partner = partner_by_ccna(db.session(), data["partner_ccna"])
    ctx = _ctx(partner=partner, channel=data["channel"], manual=True)
    req = LsrRequest.parse(data["lsr"])
    if req.is_supplement:  # a faxed SUP: answered as POST /lsrs answers one (§6, §8.1)
        return jsonify(manual_entry.enter_supplement(
            ctx, req, received_at=data["received_at"]).body()), 200
    result = manual_entry.enter_lsr(ctx, req, received_at=data["received_at"])
    return jsonify(lsr_body(result.lsr)), 201 if result.created else 200


@bp.post("/staff/manual-csr-requests")
def staff_manual_csr():
    require_staff()
    data = ManualCsrSchema().load(json_body())
    session = db.session()
    partner = partner_by_ccna(session, data["partner_ccna"])
    req = manual_entry.enter_csr(session, composition.registry(session), data["request"],
                                 partner=partner,
                                 actor=g.actor, now=clock.now(), profile=carrier_profile(),
                                 channel=data["channel"], received_at=data["received_at"])
    return jsonify(csr_body(req)), 201


@bp.post("/staff/accounts/<account_number>/unlock")
def staff_unlock(account_number: str):
    require_staff()
    account = accounts.unlock_account(db.session(), account_number, actor=g.actor, now=clock.now())
    return jsonify({"account_number": account.account_number, "locked": False})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(tuple(carrier_profile().states)))
