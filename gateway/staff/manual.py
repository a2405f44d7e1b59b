"""Manual entry of requests received by fax or email (business-rules §5.1, §8.1)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for

from forms.staff import ManualCsrForm, ManualLsrForm, add_error
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.models import Partner
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.services import cpni, policy
from gateway.services.csr import requests as csr_svc
from gateway.services.orders import manual_entry
from gateway.services.orders.request import LsrRequest
from gateway.services.serialize import csr_body
from gateway.staff import bp
from gateway.staff.common import actor, order_context, user_zone, zones


def _senders() -> list[tuple[str, str]]:
    rows = db.session().execute(sa.select(Partner.ccna, Partner.name).where(
        Partner.status == "active").order_by(Partner.name)).all()
    return [(ccna, f"{name} ({ccna})") for ccna, name in rows]


def _setup(form) -> None:
    form.setup(_senders(), zones(), str(user_zone()))


def _sender(form) -> Partner:
    return db.session().scalar(sa.select(Partner).where(Partner.ccna == form.partner.data))


def _service_error(form, err: GatewayError) -> None:
    """Show a refusal on its field: the error summary lists it at the top of the form."""
    field = err.extra.get("field")
    rejects = err.extra.get("rejects") or []
    message = err.message + "".join(f" ({r['code']})" for r in rejects)
    add_error(form, field or ("pon" if rejects else "partner"), message)


@bp.route("/manual/lsr", methods=["GET", "POST"])
def manual_lsr():
    form = ManualLsrForm()
    _setup(form)
    if form.validate_on_submit():
        partner = _sender(form)
        ctx = order_context(partner, channel=form.channel.data, manual=True)
        body = form.lsr_body()
        body.setdefault("ccna", partner.ccna)
        try:
            result = manual_entry.enter_lsr(ctx, LsrRequest.parse(body),
                                            received_at=form.received_instant())
        except GatewayError as err:
            _service_error(form, err)
        else:
            lsr = result.lsr
            if not result.created:
                flash(f"PON {lsr.pon} VER {lsr.ver} was already entered with this content; "
                      "nothing changed.", "info")
            else:
                flash(f"{form.channel.data.capitalize()} LSR PON {lsr.pon} entered: "
                      f"{lsr.status.replace('_', ' ')}. The partner is told.", "success")
            return redirect(url_for(".order", lsr_id=lsr.id))
    status = 422 if form.is_submitted() else 200
    return render_template("staff/manual_lsr.html", form=form), status


@bp.route("/manual/csr", methods=["GET", "POST"])
def manual_csr():
    form = ManualCsrForm()
    _setup(form)
    if form.validate_on_submit():
        partner = _sender(form)
        session = db.session()
        try:
            req = manual_entry.enter_csr(
                session, composition.registry(session), form.csr_body(partner.ccna),
                    partner=partner,
                actor=actor(), now=clock.now(), profile=carrier_profile(),
                channel=form.channel.data, received_at=form.received_instant())
        except GatewayError as err:
            _service_error(form, err)
        else:
            flash(f"CSR request for TN {req.tn} entered: {req.status}. Answer the partner by "
                  f"{form.channel.data} with this page.", "success")
            return redirect(url_for(".csr_request", req_id=req.id))
    status = 422 if form.is_submitted() else 200
    return render_template("staff/manual_csr.html", form=form), status


@bp.get("/csr-requests/<int:req_id>")
def csr_request(req_id: int):
    session = db.session()
    req = csr_svc.get_csr_request(session, req_id, policy.STAFF)
    if req is None:
        abort(404)
    cpni.csr_viewed(session, req, actor=actor(), now=clock.now(), channel="staff")
    partner = session.get(Partner, req.partner_id)
    return render_template("staff/csr_request.html", req=req, body=csr_body(req),
                           partner=partner)
