"""NPAC routes: the caller is the new provider for its own SPIDs."""
from __future__ import annotations

from flask import g, jsonify

from gateway import clock, db
from gateway.api import json_body
from gateway.errors import Forbidden
from gateway.npac_api import bp
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.orders import npac_ops


def _partner():
    if g.user.is_staff or g.user.partner is None:
        raise Forbidden("NPAC actions are taken by a partner acting as the new provider.")
    return g.user.partner


@bp.get("/tns/<tn>")
def lookup_tn(tn: str):
    return jsonify(npac_ops.lookup_tn(composition.registry(), tn))


@bp.post("/subscriptions")
def create_subscription():
    session = db.session()
    sv = npac_ops.create_subscription(session, composition.registry(session), json_body(),
                                      partner=_partner(), actor=g.actor, now=clock.now())
    return jsonify(npac_ops.sv_body(sv)), 201


@bp.get("/subscriptions/<int:sv_id>")
def get_subscription(sv_id: int):
    sv = npac_ops.own_subscription(composition.registry(), sv_id, _partner())
    return jsonify(npac_ops.sv_body(sv))


@bp.post("/subscriptions/<int:sv_id>/activate")
def activate_subscription(sv_id: int):
    session = db.session()
    sv = npac_ops.activate_subscription(session, composition.registry(session), sv_id,
                                        partner=_partner(),
                                        actor=g.actor, now=clock.now(),
                                        profile=carrier_profile())
    return jsonify(npac_ops.sv_body(sv))


@bp.post("/subscriptions/<int:sv_id>/cancel")
def cancel_subscription(sv_id: int):
    session = db.session()
    sv = npac_ops.cancel_subscription(session, composition.registry(session), sv_id,
                                      partner=_partner(),
                                      actor=g.actor, now=clock.now())
    return jsonify(npac_ops.sv_body(sv))
