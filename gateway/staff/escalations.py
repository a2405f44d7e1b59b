"""Escalations (business-rules §8.2): the list with acknowledge and resolve, and the escalation
contacts per state and level (editor and CSV import, staff admins)."""
from __future__ import annotations

import os
import tempfile

from flask import flash, redirect, render_template, request, url_for

from forms.staff import (
    ConfirmForm,
    ContactImportForm,
    EscalationContactForm,
    ResolveForm,
    add_error,
    choices,
)
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.hardening import id_from_text
from gateway.services.escalations import desk as escalation_desk
from gateway.staff import bp
from gateway.staff.common import actor, admin_required, choice_arg


@bp.get("/escalations")
def escalation_list():
    show = choice_arg("show", escalation_desk.FILTERS, "open")
    state = choice_arg("state", carrier_profile().states)
    now = clock.now()
    rows = escalation_desk.escalation_rows(db.session(), show=show, state=state, now=now)
    return render_template("staff/escalations.html", rows=rows, show=show, state=state,
                           states=sorted(carrier_profile().states), now=now,
                           confirm=ConfirmForm(), resolve_form=ResolveForm(formdata=None))


@bp.post("/escalations/<int:escalation_id>/acknowledge")
def acknowledge_escalation(escalation_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            escalation_desk.acknowledge(db.session(), escalation_id, actor=actor(),
                                        now=clock.now())
        except GatewayError as err:
            flash(err.message, "error")
        else:
            flash(f"Escalation {escalation_id} acknowledged; it stops rising and the partner "
                  "is told.", "success")
    return redirect(url_for(".escalation_list", _anchor=f"esc-{escalation_id}"))


@bp.post("/escalations/<int:escalation_id>/resolve")
def resolve_escalation(escalation_id: int):
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            escalation_desk.resolve(db.session(), escalation_id, form.resolution.data,
                                    actor=actor(), now=clock.now())
        except GatewayError as err:
            flash(err.message, "error")
        else:
            flash(f"Escalation {escalation_id} resolved; the partner is told.", "success")
            return redirect(url_for(".escalation_list"))
    else:
        flash("Say how the escalation was resolved.", "error")
    return redirect(url_for(".escalation_list", show="all", _anchor=f"esc-{escalation_id}"))


def _contacts_page(form=None, import_form=None, status: int = 200):
    states = sorted(carrier_profile().states)
    form = form or EscalationContactForm(formdata=None)
    form.state.choices = choices((s, s) for s in states)
    return render_template(
        "staff/escalation_contacts.html", ladders=escalation_desk.ladders(db.session()),
        states=states, form=form, import_form=import_form or ContactImportForm(formdata=None),
        confirm=ConfirmForm()), status


@bp.get("/escalation-contacts")
@admin_required
def escalation_contacts():
    """The ladders; ?state=XX (and &level=N) fills the form to add or change a level."""
    state = choice_arg("state", carrier_profile().states)
    ladder = escalation_desk.ladders(db.session()).get(state, []) if state else []
    level = id_from_text(request.args.get("level"))
    current = next((c for c in ladder if c.level == level), None)
    form = EscalationContactForm(formdata=None, obj=current)
    if state and current is None:
        form.state.data, form.level.data = state, len(ladder) + 1
    return _contacts_page(form)


@bp.post("/escalation-contacts")
@admin_required
def save_escalation_contact():
    form = EscalationContactForm()
    form.state.choices = choices((s, s) for s in sorted(carrier_profile().states))
    if form.validate_on_submit():
        try:
            contact = escalation_desk.save_contact(
                db.session(), form.state.data, form.level.data, form.data,
                states=frozenset(carrier_profile().states), actor=actor(), now=clock.now())
        except GatewayError as err:
            add_error(form, err.extra.get("field") or "name", err.message)
        else:
            flash(f"{contact.state} level {contact.level}: {contact.name} saved.", "success")
            return redirect(url_for(".escalation_contacts", _anchor=f"state-{contact.state}"))
    return _contacts_page(form, status=422)


@bp.post("/escalation-contacts/<int:contact_id>/remove")
@admin_required
def remove_escalation_contact(contact_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            escalation_desk.remove_contact(db.session(), contact_id, actor=actor(),
                                           now=clock.now())
        except GatewayError as err:
            flash(err.message, "error")
        else:
            flash("Escalation level removed.", "success")
    return redirect(url_for(".escalation_contacts"))


@bp.post("/escalation-contacts/import")
@admin_required
def import_escalation_contacts():
    form = ContactImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        handle, path = tempfile.mkstemp(suffix=".csv")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(upload.read())
            count = escalation_desk.import_contacts(
                db.session(), path, states=frozenset(carrier_profile().states), actor=actor(),
                now=clock.now(), filename=upload.filename or "upload.csv")
        except GatewayError as err:
            add_error(form, "file", err.message)
        else:
            flash(f"Imported {count} escalation contacts from {upload.filename}.", "success")
            return redirect(url_for(".escalation_contacts"))
        finally:
            os.unlink(path)
    return _contacts_page(import_form=form, status=422)
