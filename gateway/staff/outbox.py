"""The notice outbox (§10.1): delivery status, dead letters and their re-send."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from forms.staff import ConfirmForm
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.models.outbox import DELIVERY_STATUSES
from gateway.services.outbox import desk as outbox_desk
from gateway.staff import bp
from gateway.staff.common import actor, choice_arg, page_arg


@bp.get("/outbox")
def outbox():
    session = db.session()
    status = choice_arg("status", DELIVERY_STATUSES)
    channel = choice_arg("channel", outbox_desk.CHANNELS)
    search = (request.args.get("q") or "").strip()[:80] or None
    page, per_page = page_arg()
    result = outbox_desk.outbox_page(session, status=status, channel=channel, search=search,
                                     page=page, per_page=per_page)
    args = {k: v for k, v in (("status", status), ("channel", channel), ("q", search)) if v}
    return render_template("staff/outbox.html", page=result, counts=outbox_desk.status_counts(
        session), status=status, channel=channel, q=search or "", args=args,
        confirm=ConfirmForm(), now=clock.now())


@bp.get("/outbox/<int:delivery_id>")
def delivery(delivery_id: int):
    row = outbox_desk.get_delivery(db.session(), delivery_id)
    return render_template("staff/delivery.html", d=row, notice=row.notice,
                           body=outbox_desk.redact(row.notice.body), confirm=ConfirmForm())


@bp.post("/outbox/<int:delivery_id>/resend")
def resend_delivery(delivery_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            row = outbox_desk.resend(db.session(), delivery_id, actor=actor(), now=clock.now())
        except GatewayError as err:
            flash(err.message, "error")
        else:
            flash(f"Delivery {row.delivery_id} queued again; the next delivery run sends it "
                  "with the same delivery id.", "success")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith(
        "/staff/outbox") else url_for(".outbox", status="dead"))
