"""Partner administration: named roles, notification contacts and API tokens (§1.3)."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from forms._adapters import choices
from forms.partner_admin import ConfirmForm, ContactForm, ContactTypesForm, RoleForm, TokenForm
from gateway import clock, db
from gateway.auth import role_required
from gateway.errors import GatewayError
from gateway.partner_admin import bp
from gateway.portal.common import actor, failed, no_store
from gateway.services.identity import user_admin
from gateway.services.outbox import notices
from gateway.services.partners import contacts, roles
from gateway.services.partners import tokens as partner_tokens


@bp.route("/roles", methods=["GET", "POST"])
@role_required("partner_admin")
def list_roles():
    session, pid = db.session(), current_user.partner_id
    form = RoleForm()
    status = 200
    if form.validate_on_submit():
        try:
            role = roles.create_role(session, pid, name=form.name.data,
                                     privileges=form.privileges.data, actor=actor(),
                                     now=clock.now())
            flash(f"Role {role.name} created.", "success")
            return redirect(url_for("partner_admin.list_roles"))
        except GatewayError as err:
            text, status = failed(err)
            flash(text, "error")
    elif form.is_submitted():
        status = 422
    return render_template("partner_admin/roles.html", form=form,
                           roles=roles.list_roles(session, pid), confirm=ConfirmForm()), status


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@role_required("partner_admin")
def edit_role(role_id: int):
    session = db.session()
    role = roles.get_role(session, current_user.partner_id, role_id)
    form = RoleForm() if request.method == "POST" else RoleForm(
        formdata=None, name=role.name, privileges=sorted(role.privileges))
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                roles.update_role(session, role, name=form.name.data,
                                  privileges=form.privileges.data, actor=actor(),
                                  now=clock.now())
                flash(f"Role {role.name} saved; its users changed with it.", "success")
                return redirect(url_for("partner_admin.list_roles"))
            except GatewayError as err:
                text, status = failed(err)
                flash(text, "error")
    return render_template("partner_admin/role_edit.html", form=form, role=role), status


@bp.post("/roles/<int:role_id>/delete")
@role_required("partner_admin")
def delete_role(role_id: int):
    session = db.session()
    role = roles.get_role(session, current_user.partner_id, role_id)
    if ConfirmForm().validate():
        try:
            name = role.name
            roles.delete_role(session, role, actor=actor(), now=clock.now())
            flash(f"Role {name} deleted.", "success")
        except GatewayError as err:
            flash(failed(err)[0], "error")
    return redirect(url_for("partner_admin.list_roles"))


@bp.route("/contacts", methods=["GET", "POST"])
@role_required("partner_admin")
def list_contacts():
    session, pid = db.session(), current_user.partner_id
    form = ContactForm()
    status = 200
    if form.validate_on_submit():
        try:
            contact = contacts.add_contact(session, pid, name=form.name.data,
                                           email=form.email.data, phone=form.phone.data,
                                           types=form.types.data, actor=actor(),
                                           now=clock.now(), notify=form.notify.data)
            flash(f"{contact.name} will be notified of: {', '.join(form.types.data)}.",
                  "success")
            return redirect(url_for("partner_admin.list_contacts"))
        except GatewayError as err:
            text, status = failed(err)
            flash(text, "error")
    elif form.is_submitted():
        status = 422
    return render_template("partner_admin/contacts.html", form=form,
                           contacts=contacts.partner_contacts(session, pid),
                           users=[u for u in user_admin.partner_users(session, pid)
                                  if u.disabled_at is None and (
                                      u.contact_types
                                      or notices.received(u.contact_types, u.notify))],
                           held=contacts.holders(session, pid), received=notices.received,
                           confirm=ConfirmForm()), status


@bp.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
@role_required("partner_admin")
def edit_contact(contact_id: int):
    session = db.session()
    contact = contacts.partner_contact(session, current_user.partner_id, contact_id)
    form = ContactTypesForm() if request.method == "POST" else ContactTypesForm(
        formdata=None, types=sorted(contact.types), notify=sorted(contact.notify))
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                contacts.set_contact_types(session, contact, form.types.data, actor=actor(),
                                           now=clock.now(), notify=form.notify.data)
                flash(f"{contact.name} saved.", "success")
                return redirect(url_for("partner_admin.list_contacts"))
            except GatewayError as err:
                text, status = failed(err)
                flash(text, "error")
    return render_template("partner_admin/contact_edit.html", form=form, contact=contact,
                           confirm=ConfirmForm()), status


@bp.post("/contacts/<int:contact_id>/remove")
@role_required("partner_admin")
def remove_contact(contact_id: int):
    session = db.session()
    contact = contacts.partner_contact(session, current_user.partner_id, contact_id)
    if ConfirmForm().validate():
        try:
            contacts.remove_contact(session, contact, actor=actor(), now=clock.now())
            flash(f"{contact.name} removed.", "success")
        except GatewayError as err:
            flash(failed(err)[0], "error")
    return redirect(url_for("partner_admin.list_contacts"))


def _token_form(session) -> TokenForm:
    form = TokenForm()
    users = [u for u in user_admin.partner_users(session, current_user.partner_id)
             if u.disabled_at is None]
    form.user_id.choices = choices((u.id, f"{u.username} ({', '.join(sorted(u.privileges))})")
                                   for u in users)
    return form


@bp.route("/tokens", methods=["GET", "POST"])
@role_required("partner_admin")
def list_tokens():
    session, pid, now = db.session(), current_user.partner_id, clock.now()
    form = _token_form(session)
    status = 200
    if form.validate_on_submit():
        try:
            user = user_admin.partner_user(session, pid, form.user_id.data)
            row, token = partner_tokens.issue(session, user, name=form.name.data,
                                              expires_on=form.expires_on.data,
                                              zone=current_user.timezone, actor=actor(),
                                              now=now)
            return no_store(make_response(render_template(
                "partner_admin/secret_once.html", kind="token", row=row, token=token)))
        except GatewayError as err:
            text, status = failed(err)
            flash(text, "error")
    elif form.is_submitted():
        status = 422
    tokens = partner_tokens.partner_tokens(session, pid)
    return render_template("partner_admin/tokens.html", form=form, tokens=tokens,
                           status_of=lambda t: partner_tokens.status(t, now),
                           confirm=ConfirmForm()), status


@bp.post("/tokens/<int:token_id>/revoke")
@role_required("partner_admin")
def revoke_token(token_id: int):
    session = db.session()
    row = partner_tokens.partner_token(session, current_user.partner_id, token_id)
    if ConfirmForm().validate():
        partner_tokens.revoke(session, row, actor=actor(), now=clock.now())
        flash(f"Token {row.prefix}… ({row.name}) revoked: it stops at once.", "success")
    return redirect(url_for("partner_admin.list_tokens"))
