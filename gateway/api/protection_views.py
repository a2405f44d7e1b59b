"""API routes of port-out protection (business-rules §11, api-contract §4.4): the desk's
freeze by request and its release or cancel of a held order."""
from __future__ import annotations

from flask import g, jsonify

from gateway import clock, db
from gateway.api import bp, json_body, require_staff
from gateway.errors import NotFound
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.services import policy
from gateway.services.orders import queries
from gateway.services.protection import disputes, freeze
from gateway.services.serialize import lsr_body


@bp.put("/staff/accounts/<account_number>/freeze")
def staff_freeze(account_number: str):
    require_staff()
    data = json_body()
    on, channel, note = freeze.freeze_request(data.get("freeze"), data.get("channel"),
                                              data.get("note"))
    account = freeze.set_freeze(db.session(), account_number, freeze=on, channel=channel,
                                note=note, actor=g.actor, now=clock.now(),
                                profile=carrier_profile())
    return jsonify({"account_number": account.account_number, "port_freeze": account.port_freeze})


@bp.post("/staff/lsrs/<int:lsr_id>/hold")
def staff_hold(lsr_id: int):
    require_staff()
    data = json_body()
    ctx = composition.order_context(None, g.actor)
    lsr = queries.get_lsr(ctx.session, lsr_id, policy.STAFF, for_update=True)
    if not policy.may(policy.STAFF, policy.Action.DECIDE, lsr):
        raise NotFound(f"No LSR {lsr_id}.")
    assert lsr is not None
    remarks = data.get("remarks")
    disputes.decide_hold(ctx, lsr, action=str(data.get("action") or ""),
                         remarks=remarks if isinstance(remarks, str) else "")
    return jsonify(lsr_body(lsr))
