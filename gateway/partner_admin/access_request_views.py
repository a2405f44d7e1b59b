"""Agent access requests (business-rules §1.1.2): the agent asks; the carrier approves, with
the privileges asked for or fewer, or declines; the carrier suspends and resumes approvals."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from forms.partner_admin import AccessDecisionForm, AccessRequestForm, ConfirmForm
from gateway import clock, db
from gateway.auth import role_required
from gateway.errors import GatewayError
from gateway.partner_admin import bp
from gateway.partner_admin.access_views import agents_page
from gateway.portal.common import actor, failed
from gateway.services.identity import people
from gateway.services.partners import access_requests, agent_access


@bp.post("/agents/ask")
@role_required("partner_admin")
def ask_access():
    form = AccessRequestForm()
    if not form.validate():
        return agents_page(None, status=422, ask=form)
    try:
        req = access_requests.request_access(
            db.session(), current_user.partner, form.carrier_ccna.data, form.privileges.data,
            form.reason.data, actor=actor(), now=clock.now())
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return agents_page(None, status=status, ask=form)
    flash(f"Your request went to {req.carrier.name} ({req.carrier.ccna}); its administrators "
          "are told and you will be told of their answer.", "success")
    return redirect(url_for("partner_admin.agents"))


def _review_page(req, form, status: int = 200):
    session = db.session()
    history = agent_access.access_steps(session, req.carrier_id, req.agent_id)
    names = people.labels(session, [e.actor_user_id for e in history]
                          + [req.requested_by_id, req.decided_by_id])  # §1.3.2, one query
    return render_template("partner_admin/access_request.html", req=req, form=form,
                           history=history, names=names), status


@bp.get("/agents/requests/<int:request_id>")
@role_required("partner_admin")
def review_request(request_id: int):
    req = access_requests.request_to(db.session(), current_user.partner_id, request_id)
    form = AccessDecisionForm()
    form.privileges.data = sorted(req.privileges)
    return _review_page(req, form)


@bp.post("/agents/requests/<int:request_id>/approve")
@role_required("partner_admin")
def approve_request(request_id: int):
    return _decide(request_id, "approve")


@bp.post("/agents/requests/<int:request_id>/decline")
@role_required("partner_admin")
def decline_request(request_id: int):
    return _decide(request_id, "decline")


def _decide(request_id: int, decision: str):
    session = db.session()
    req = access_requests.request_to(session, current_user.partner_id, request_id)
    form = AccessDecisionForm()
    if not form.validate():
        return _review_page(req, form, 422)
    try:
        if decision == "approve":  # nothing ticked is [], refused: never "all asked" (§1.1.2)
            approval = access_requests.approve(
                session, current_user.partner, req, list(form.privileges.data or []),
                actor=actor(), now=clock.now(), note=form.note.data)
            flash(f"{req.agent.name} may now act for you: "
                  f"{', '.join(sorted(approval.privileges))}.", "success")
        else:
            access_requests.decline(session, current_user.partner, req, actor=actor(),
                                    now=clock.now(), note=form.note.data)
            flash(f"You declined {req.agent.name}'s request; it is told.", "success")
    except GatewayError as err:
        text, status = failed(err)
        if err.code in PRIVILEGE_ERRORS:  # shown at the checkboxes, as the form's own errors
            form.privileges.errors = [*form.privileges.errors, text]
        else:
            flash(text, "error")
        return _review_page(req, form, status)
    return redirect(url_for("partner_admin.agents"))


PRIVILEGE_ERRORS = ("invalid_privileges", "privileges_not_requested")


@bp.post("/agents/<int:approval_id>/<any(suspend, resume):action>")
@role_required("partner_admin")
def pause_agent(approval_id: int, action: str):
    session = db.session()
    approval = agent_access.approval_of(session, current_user.partner_id, approval_id)
    if ConfirmForm().validate():
        act = agent_access.suspend if action == "suspend" else agent_access.resume
        try:
            act(session, current_user.partner, approval, actor=actor(), now=clock.now())
            flash(f"{approval.agent.name}'s approval is suspended: its new requests are refused "
                  "(R104) until you resume it." if action == "suspend" else
                  f"{approval.agent.name} may again act for you.", "success")
        except GatewayError as err:
            flash(failed(err)[0], "error")
    return redirect(url_for("partner_admin.agents"))
