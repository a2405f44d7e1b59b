"""API routes for escalations (business-rules §8.2) and the old provider's NPAC conflict (§9.4)."""
from __future__ import annotations

from flask import g, jsonify, request

from gateway import clock, db
from gateway.api import READ_LSRS, bp, json_body, require_any, require_staff
from gateway.errors import InvalidInput, NotFound
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.services import policy
from gateway.services.escalations import ladder as escalations
from gateway.services.orders import npac_ops, queries


@bp.get("/lsrs/<int:lsr_id>/escalations")
def list_order_escalations(lsr_id: int):
    if not g.user.is_staff:
        require_any(READ_LSRS)
    session = db.session()
    scope = policy.STAFF if g.user.is_staff else policy.scope_for(session, g.actor)
    if queries.get_lsr(session, lsr_id, scope) is None:
        raise NotFound(f"No LSR {lsr_id}.")
    return jsonify({"items": escalations.escalation_bodies(
        session, escalations.escalations_of_order(session, lsr_id))})


@bp.get("/staff/escalations")
def staff_escalations():
    require_staff()
    session = db.session()
    open_only = request.args.get("open", "1") not in ("0", "false", "no")
    items = escalations.list_escalations(session, state=request.args.get("state") or None,
                                         open_only=open_only)
    return jsonify({"items": escalations.escalation_bodies(session, items)})


@bp.post("/staff/escalations/<int:escalation_id>/acknowledge")
def acknowledge_escalation(escalation_id: int):
    require_staff()
    session = db.session()
    escalation = escalations.acknowledge(session, escalations.get_escalation(session,
                                                                             escalation_id),
                                         actor=g.actor, now=clock.now(),
                                         text=_staff_text(json_body(optional=True), "text"))
    return jsonify(escalations.escalation_body(session, escalation))


@bp.post("/staff/escalations/<int:escalation_id>/resolve")
def resolve_escalation(escalation_id: int):
    require_staff()
    body = json_body()
    # api-contract §4.4: `{"text": "…"}`; `resolution`, the name this endpoint first took, is
    # still read when `text` is absent
    key = "text" if "text" in body or "resolution" not in body else "resolution"
    resolution = _staff_text(body, key)
    if not resolution:
        raise InvalidInput(f"{key} is required: say how the escalation was resolved.",
                           fields={key: "required"})
    session = db.session()
    escalation = escalations.acknowledge(session, escalations.get_escalation(session,
                                                                             escalation_id),
                                         actor=g.actor, now=clock.now(),
                                         resolution=resolution.strip())
    return jsonify(escalations.escalation_body(session, escalation))


def _staff_text(body: dict, key: str) -> str | None:
    """The desk's words under `key` (not blank), else None; another JSON type is a 400."""
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{key} must be text.", fields={key: "must be a string"})
    return value.strip() if value and value.strip() else None


@bp.post("/staff/npac/subscriptions/<int:sv_id>/conflict")
def staff_conflict(sv_id: int):
    require_staff()
    cause = json_body().get("cause", 50)
    if isinstance(cause, bool) or not isinstance(cause, int):
        raise InvalidInput("cause must be an NPAC conflict cause code (50-54).",
                           code="invalid_cause")
    session = db.session()
    sv = npac_ops.staff_conflict(session, composition.registry(session), sv_id, cause,
                                 actor=g.actor,
                                 now=clock.now(), profile=carrier_profile())
    return jsonify(npac_ops.sv_body(sv))
