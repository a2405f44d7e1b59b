"""Partner onboarding, suspension and reinstatement (business-rules §1.1; staff admins)."""
from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request, url_for

from forms.staff import ConfirmForm, PartnerProfileForm, ReasonForm, add_error, admin_entries
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.models import User
from gateway.models.partners import PARTNER_STATUSES, PARTNER_TYPES
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.links import external_url
from gateway.services.identity import people
from gateway.services.partners import onboarding
from gateway.staff import bp
from gateway.staff.common import actor, admin_required, choice_arg


def _link_for(token: str) -> str:
    return external_url("welcome.set_password", token=token)


def _welcome_args() -> dict:
    return {"secret": current_app.config["SECRET_KEY"], "link_for": _link_for,
            "carrier_name": carrier_profile().carrier_name}


@bp.get("/partners")
@admin_required
def partners():
    status = choice_arg("status", PARTNER_STATUSES)
    rows = onboarding.partner_list(db.session(), status=status)
    due = {p.id: onboarding.access_due(p, carrier_profile()) for p, _ in rows
           if p.status == "pending"}
    return render_template("staff/partners.html", rows=rows, status=status, due=due,
                           today=clock.now().date())


def _profile(form: PartnerProfileForm) -> onboarding.TradingPartnerProfile:
    admins = [onboarding.AdminEntry(**a) for a in admin_entries(form)]
    return onboarding.TradingPartnerProfile(
        name=form.name.data.strip(), ccna=form.ccna.data.strip().upper(), type=form.type.data,
        spids=form.spid_list(), ocn=form.ocn.data, street=form.street.data.strip(),
        city=form.city.data.strip(), state=form.state.data.strip().upper(),
        zip=form.zip.data.strip(), admins=admins, received_on=form.received_on.data,
        notes=(form.notes.data or "").strip())


@bp.route("/partners/new", methods=["GET", "POST"])
@admin_required
def new_partner():
    form = PartnerProfileForm()
    form.setup(PARTNER_TYPES)
    if request.method == "GET":
        form.received_on.data = clock.now().date()
    if form.validate_on_submit():
        tpp = _profile(form)
        if not form.errors:
            try:
                partner = onboarding.submit_profile(db.session(), tpp, actor=actor(),
                                                    now=clock.now())
            except GatewayError as err:
                add_error(form, err.extra.get("field") or _field_of(err),
                          re.sub(r"^--[a-z]+: ", "", err.message))
            else:
                note = "" if len(tpp.admins) > 1 else " Two administrators are recommended."
                flash(f"Profile of {partner.name} ({partner.ccna}) recorded as pending; approve "
                      f"it to create the logins.{note}", "success")
                return redirect(url_for(".partner", partner_id=partner.id))
    status = 422 if form.is_submitted() else 200
    return render_template("staff/partner_new.html", form=form), status


def _field_of(err: GatewayError) -> str:
    """The form field a partner-service message names (its messages start with --option)."""
    text = err.message
    for option, name in (("--ccna", "ccna"), ("--spid", "spids"), ("--name", "name"),
                         ("--type", "type"), ("CCNA", "ccna"), ("SPID", "spids")):
        if text.startswith(option) or option in text.split(":")[0]:
            return name
    return "name"


def _detail(partner_id: int, *, reason_form=None, status: int = 200):
    session = db.session()
    partner, members, events = onboarding.partner_detail(session, partner_id)
    # who acted, with full name and phone (§1.3.2): one query for the listed events
    names = people.labels(session, [e.actor_user_id for e in events])
    return render_template(
        "staff/partner.html", partner=partner, members=members, events=events, names=names,
        access_due=onboarding.access_due(partner, carrier_profile()), today=clock.now().date(),
        reason_form=reason_form or ReasonForm(formdata=None), confirm=ConfirmForm()), status


@bp.get("/partners/<int:partner_id>")
@admin_required
def partner(partner_id: int):
    return _detail(partner_id)


@bp.post("/partners/<int:partner_id>/approve")
@admin_required
def approve_partner(partner_id: int):
    session = db.session()
    partner, _, _ = onboarding.partner_detail(session, partner_id)
    if ConfirmForm().validate_on_submit():
        try:
            created = onboarding.approve(session, partner, actor=actor(), now=clock.now(),
                                         **_welcome_args())
        except GatewayError as err:
            flash(err.message, "error")
            return _detail(partner_id, status=409)
        flash(f"{partner.ccna} approved: {len(created)} administrator login"
              f"{'s' if len(created) != 1 else ''} created and sent "
              f"({', '.join(u.username for u in created)}).", "success")
    return redirect(url_for(".partner", partner_id=partner_id))


@bp.post("/partners/<int:partner_id>/<any(suspend, reinstate):action>")
@admin_required
def change_partner_status(partner_id: int, action: str):
    session = db.session()
    partner, _, _ = onboarding.partner_detail(session, partner_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            onboarding.change_status(session, partner, action, form.reason.data, actor=actor(),
                                     now=clock.now())
        except GatewayError as err:
            add_error(form, "reason", err.message)
        else:
            flash(f"{partner.name} ({partner.ccna}) is {partner.status}.", "success")
            return redirect(url_for(".partner", partner_id=partner_id))
    return _detail(partner_id, reason_form=form, status=422)


@bp.post("/partners/<int:partner_id>/users/<int:user_id>/welcome")
@admin_required
def resend_welcome(partner_id: int, user_id: int):
    session = db.session()
    user = session.get(User, user_id)
    if user is None or user.partner_id != partner_id:
        flash("No such user of this partner.", "error")
        return _detail(partner_id, status=404)
    if ConfirmForm().validate_on_submit():
        try:
            onboarding.resend_welcome(session, user, actor=actor(), now=clock.now(),
                                      **_welcome_args())
        except GatewayError as err:
            flash(err.message, "error")
            return _detail(partner_id, status=409)
        flash(f"A new one-time link was sent to {user.email}; earlier links no longer work.",
              "success")
    return redirect(url_for(".partner", partner_id=partner_id))
