"""The desk's port-out protection actions (business-rules §11.1, §11.2): freeze by request on
the account page, release or cancel of a held order on the order page."""
from __future__ import annotations

from flask import flash, redirect, url_for

from forms.protection import FreezeForm, HoldDecisionForm
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.platform.carrier_profile import carrier_profile
from gateway.services import policy
from gateway.services.orders import queries
from gateway.services.protection import disputes, freeze
from gateway.staff import bp
from gateway.staff.common import actor, order_context


@bp.post("/accounts/<account_number>/freeze")
def freeze_account(account_number: str):
    form = FreezeForm()
    if not form.validate_on_submit():
        flash("Choose place or lift, the channel, and write a note.", "error")
        return redirect(url_for(".account", account_number=account_number, _anchor="freeze"))
    try:
        account = freeze.set_freeze(db.session(), account_number, freeze=form.freeze.data == "on",
                                    channel=form.channel.data, note=form.note.data.strip(),
                                    actor=actor(), now=clock.now(), profile=carrier_profile())
    except GatewayError as err:
        flash(err.message, "error")
    else:
        flash(f"Port-out freeze {'placed on' if account.port_freeze else 'lifted from'} account "
              f"{account_number}; the end user is emailed.", "success")
    return redirect(url_for(".account", account_number=account_number))


@bp.post("/orders/<int:lsr_id>/hold")
def decide_hold(lsr_id: int):
    ctx = order_context()
    lsr = queries.get_lsr(ctx.session, lsr_id, policy.STAFF, for_update=True)
    if not policy.may(policy.STAFF, policy.Action.DECIDE, lsr):
        return redirect(url_for(".queue"))
    assert lsr is not None
    form = HoldDecisionForm()
    if not form.validate_on_submit():
        flash("Choose release or cancel.", "error")
        return redirect(url_for(".order", lsr_id=lsr_id))
    try:
        disputes.decide_hold(ctx, lsr, action=form.action.data, remarks=form.remarks.data or "")
    except GatewayError as err:
        flash(err.message, "error")
    else:
        flash(f"PON {lsr.pon}: hold released, the port may go ahead." if form.action.data ==
              "release" else f"PON {lsr.pon} canceled (end user dispute); the partner is told.",
              "success")
    return redirect(url_for(".order", lsr_id=lsr_id))
