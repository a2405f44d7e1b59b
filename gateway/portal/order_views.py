"""Orders: search, CSV export, the order page with its timeline and clocks, supplements
(cancel, new due date) and escalations (business-rules §6, §8.2)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms._adapters import choices
from forms.lsr import next_ver
from forms.notes import NoteForm
from forms.orders import CancelForm, DueDateForm, EscalationForm, OrderSearchForm
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.models.orders import OPEN_STATUSES
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.portal import bp
from gateway.portal.common import (
    actor,
    csv_response,
    failed,
    order_context,
    page_arg,
    partner_access,
    reading_moment,
    scope,
    user_moment,
    user_zone,
)
from gateway.portal.lsr_views import flash_supplement
from gateway.services import policy
from gateway.services.escalations import ladder as escalations
from gateway.services.orders import notes as order_notes
from gateway.services.orders import queries, supplements, tiles, timeline
from gateway.services.orders.cut import cut_words
from gateway.services.orders.due_note import due_date_note
from gateway.services.orders.request import LsrRequest
from gateway.services.portal import reads as portal_reads


def _search_form() -> OrderSearchForm:
    form = OrderSearchForm(request.args)
    form.show.choices = choices([("", "Any order")] + [
        (key, order_set.label) for key, order_set in tiles.ORDER_SETS.items()])
    return form


def _filters(form: OrderSearchForm) -> dict:
    if not form.validate():
        return {}
    return {"pon_prefix": (form.pon.data or "").strip() or None, "tn": form.tn.data or None,
            "status": form.status.data or None, "date_from": form.date_from.data,
            "date_to": form.date_to.data, "show": form.show.data or None,
            "moment": reading_moment(), "zone": user_zone()}  # days as the list shows them


@bp.get("/orders")
@partner_access("view", "lsr")
def list_orders():
    form = _search_form()
    filters = _filters(form)
    result = queries.list_lsrs(db.session(), scope(), page=page_arg(),
                               per_page=25, **filters)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("portal/orders.html", form=form, result=result, args=args,
                           searched=bool(args),
                           shown=tiles.ORDER_SETS.get(filters.get("show") or ""))


@bp.get("/orders.csv")
@partner_access("view", "lsr")
def export_orders():
    form = _search_form()
    if not form.validate():  # never export everything while the page shows an error
        problems = [f"{form[name].label.text}: {' '.join(errors)}"
                    for name, errors in form.errors.items()]
        abort(400, description="Nothing was exported: the search is not valid. "
              + " ".join(problems))
    rows = portal_reads.export_rows(db.session(), scope(), **_filters(form))
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    return csv_response(rows, f"orders-{current_user.partner.ccna}-{stamp}.csv")


def _order(lsr_id: int, *, for_update: bool = False,
           action: policy.Action = policy.Action.READ):
    lsr = queries.get_lsr(db.session(), lsr_id, scope(), action=action, for_update=for_update)
    if lsr is None:
        abort(404, description=f"No order {lsr_id} for your company.")
    return lsr


def render_order(lsr, **forms):
    """The order page with the forms given (the note views re-render it on an error)."""
    return _page(lsr, **forms)


def _page(lsr, *, cancel=None, due=None, escalate=None, note=None, status: int = 200):
    session, now, profile = db.session(), clock.now(), carrier_profile()
    ver = next_ver(v.ver for v in lsr.versions)
    cancel = cancel or CancelForm(formdata=None, ver=ver)
    due = due or DueDateForm(formdata=None, ver=ver)
    escalate = escalate or EscalationForm(formdata=None)
    eu = lsr.payload.get("eu") if isinstance(lsr.payload, dict) else None
    state = lsr.state or (eu.get("state") if isinstance(eu, dict) else None)
    state = state.upper()[:2] if isinstance(state, str) else None
    contacts = escalations.contacts_for_state(session, state) if state else []
    notes = order_notes.notes_of(session, lsr)
    return render_template(
        "portal/order.html", lsr=lsr, due_note=due_date_note(lsr),
        events=timeline.order_timeline(session, composition.registry(session), lsr),
        clocks=timeline.clocks(lsr, now=now, profile=profile), cancel=cancel, due=due,
        escalate=escalate, contacts=contacts, state=state, open=lsr.status in OPEN_STATUSES,
        notes=notes, authors=order_notes.authors(session, notes),
        note=note or NoteForm(formdata=None),
        cut=cut_words(lsr, profile),
        may_change="lsr" in current_user.privileges
        and policy.may(scope(), policy.Action.SUPPLEMENT, lsr)), status


@bp.get("/orders/<int:lsr_id>")
@partner_access("view", "lsr")
def show_order(lsr_id: int):
    return _page(_order(lsr_id))


def _supplement(lsr, body: dict, forms: dict):
    try:
        result = supplements.supplement(order_context(), lsr,
                                        LsrRequest.parse({**body, "pon": lsr.pon}))
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return _page(lsr, status=status, **forms)
    flash_supplement(result)
    return redirect(url_for("portal.show_order", lsr_id=lsr.id))


@bp.post("/orders/<int:lsr_id>/cancel")
@partner_access("lsr")
def cancel_order(lsr_id: int):
    lsr = _order(lsr_id, for_update=True, action=policy.Action.SUPPLEMENT)
    form = CancelForm()
    if not form.validate():
        return _page(lsr, cancel=form, status=422)
    return _supplement(lsr, {"sup": "1", "ver": form.ver.data.strip()}, {"cancel": form})


@bp.post("/orders/<int:lsr_id>/due-date")
@partner_access("lsr")
def change_due_date(lsr_id: int):
    lsr = _order(lsr_id, for_update=True, action=policy.Action.SUPPLEMENT)
    form = DueDateForm()
    if not form.validate():
        return _page(lsr, due=form, status=422)
    return _supplement(lsr, {"sup": "2", "ver": form.ver.data.strip(),
                             "ddd": form.ddd.data.isoformat()}, {"due": form})


@bp.post("/orders/<int:lsr_id>/escalate")
@partner_access("view", "lsr")
def escalate_order(lsr_id: int):
    lsr = _order(lsr_id, action=policy.Action.ESCALATE)
    form = EscalationForm()
    if not form.validate():
        return _page(lsr, escalate=form, status=422)
    try:
        escalation, contact = escalations.escalate_order(
            db.session(), lsr, reason=form.reason.data, text=form.text.data, actor=actor(),
            now=clock.now(), profile=carrier_profile(), partner_ticket=form.partner_ticket.data,
            problem_started_at=user_moment(form.problem_started_at.data))
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return _page(lsr, escalate=form, status=status)
    who = f"{contact.name} ({contact.title}, {contact.phone})" if contact else "the LNP desk"
    flash(f"Escalation {escalation.id} raised at level 1: {who} will answer.", "success")
    return redirect(url_for("portal.show_order", lsr_id=lsr.id) + "#escalate")
