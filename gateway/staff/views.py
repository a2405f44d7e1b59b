"""The desk's home, the work queue and the decision pages of orders awaiting staff (§7.2)."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for

from forms.notes import StaffNoteForm
from forms.protection import HoldDecisionForm
from forms.staff import ConfirmForm, FocDecisionForm, RejectDecisionForm, add_error
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.models import Account, Partner
from gateway.platform.carrier_profile import carrier_profile
from gateway.services import policy
from gateway.services.desk import dashboards, review
from gateway.services.escalations import ladder as escalations
from gateway.services.identity import people
from gateway.services.orders import decisions, queries, timeline
from gateway.services.orders import notes as order_notes
from gateway.services.orders.cut import cut_words
from gateway.services.protection import desk as protection_desk
from gateway.services.serialize import lsr_body
from gateway.staff import bp
from gateway.staff.common import choice_arg, order_context


@bp.app_template_filter("span")
def span(delta: timedelta | None) -> str:
    """A duration in words the desk reads at a glance: 3 d 4 h, 2 h 10 min, 45 min."""
    if delta is None:
        return "—"
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


@bp.get("/")
def home():
    session, now = db.session(), clock.now()
    summary = dashboards.staff_summary(session, now=now)
    rows = review.queue_rows(session, now=now)
    return render_template("staff/home.html", summary=summary, rows=rows[:8],
                           queue_total=len(rows), now=now)


@bp.get("/queue")
def queue():
    now = clock.now()
    kind = choice_arg("kind", ("lsr", "escalation", "note"))
    overdue = choice_arg("overdue", ("1",)) == "1"
    rows = review.queue_rows(db.session(), now=now, kind=kind, overdue=overdue)
    return render_template("staff/queue.html", rows=rows, kind=kind, overdue=overdue, now=now)


def _load(lsr_id: int, *, for_update: bool = False):
    lsr = queries.get_lsr(db.session(), lsr_id, policy.STAFF, for_update=for_update)
    if lsr is None:
        abort(404)
    return lsr


def render_order(lsr, **forms):
    """The order page with the forms given (the note views re-render it on an error)."""
    return _render_order(lsr, **forms)


def _render_order(lsr, *, foc_form=None, reject_form=None, note_form=None, status: int = 200):
    session, profile = db.session(), carrier_profile()
    reject_form = reject_form or RejectDecisionForm(formdata=None)
    reject_form.setup()
    dates = review.decision_dates(order_context(), lsr)
    if foc_form is None:
        foc_form = FocDecisionForm(formdata=None)
        foc_form.due_date.data = dates.grant_date or dates.offered
        foc_form.due_time.data = lsr.field("dfdt")  # §13.2: default the asked time
    owner = session.get(Partner, lsr.owner_partner_id)
    submitter = session.get(Partner, lsr.submitter_partner_id)
    account = session.get(Account, lsr.account_number) if lsr.account_number else None
    notes = order_notes.notes_of(session, lsr)
    return render_template(
        "staff/order.html", lsr=lsr, body=lsr_body(lsr), owner=owner, submitter=submitter,
        account=account, dates=dates, foc_form=foc_form, reject_form=reject_form,
        escalations=escalations.escalations_of_order(session, lsr.id),
        notices=timeline.order_notices(session, lsr), now=clock.now(),
        protection=protection_desk.order_protection(session, lsr, profile),
        hold_form=HoldDecisionForm(formdata=None),
        notes=notes, authors=order_notes.authors(session, notes),
        senders=people.labels(session, [v.user_id for v in lsr.versions]),
        note_form=note_form or StaffNoteForm(formdata=None), cut=cut_words(lsr, profile)), status


def _refused(lsr, form, field: str, err: GatewayError) -> None:
    """Show a refused decision on its field; an order no longer in review shows no form."""
    add_error(form, field, err.message)
    if lsr.status != "manual_review":
        flash(err.message, "error")


@bp.get("/orders/<int:lsr_id>")
def order(lsr_id: int):
    return _render_order(_load(lsr_id))


@bp.post("/orders/<int:lsr_id>/foc")
def issue_foc(lsr_id: int):
    lsr = _load(lsr_id, for_update=True)
    form = FocDecisionForm()
    if form.validate_on_submit():
        try:
            decisions.decide_order(order_context(), lsr, action="foc", due_date=form.due_date.data,
                                   due_time=form.due_time.data or None)
        except GatewayError as err:
            _refused(lsr, form, "due_time" if err.code == "invalid_due_time" else "due_date",
                     err)
        else:
            cut = f" at {lsr.due_time} local" if lsr.due_time else ""
            flash(f"FOC issued for PON {lsr.pon}: due {lsr.due_date.isoformat()}{cut}.",
                  "success")
            return redirect(url_for(".order", lsr_id=lsr.id))
    return _render_order(lsr, foc_form=form, status=422)


@bp.post("/orders/<int:lsr_id>/grant-expedite")
def grant_expedite(lsr_id: int):
    """One click: the FOC on exactly the date the partner asked for (§7.2)."""
    lsr = _load(lsr_id, for_update=True)
    if ConfirmForm().validate_on_submit():
        try:
            decisions.grant_expedite(order_context(), lsr)
        except GatewayError as err:
            flash(err.message, "error")
            return _render_order(lsr, status=err.status if err.status == 409 else 422)
        flash(f"Expedite granted for PON {lsr.pon}: FOC due {lsr.due_date.isoformat()}, the "
              "date the partner asked for.", "success")
    return redirect(url_for(".order", lsr_id=lsr.id))


@bp.post("/orders/<int:lsr_id>/reject")
def reject(lsr_id: int):
    lsr = _load(lsr_id, for_update=True)
    form = RejectDecisionForm()
    form.setup()
    if form.validate_on_submit():
        try:
            decisions.decide_order(order_context(), lsr, action="reject", codes=form.codes.data,
                                   remarks=form.remarks.data or "")
        except GatewayError as err:
            _refused(lsr, form, "codes", err)
        else:
            flash(f"PON {lsr.pon} rejected ({', '.join(form.codes.data)}); the partner is told.",
                  "success")
            return redirect(url_for(".order", lsr_id=lsr.id))
    return _render_order(lsr, reject_form=form, status=422)
