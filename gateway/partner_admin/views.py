"""Partner administration: the overview and the company's users (business-rules §1.3)."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from forms.partner_admin import ConfirmForm, UserCreateForm, UserEditForm
from gateway import clock, db
from gateway.auth import role_required
from gateway.errors import GatewayError
from gateway.partner_admin import bp
from gateway.portal.common import actor, failed, no_store
from gateway.services.identity import user_admin
from gateway.services.partners import agent_access, contacts, roles
from gateway.services.partners import tokens as partner_tokens


def _partner_id() -> int:
    return current_user.partner_id


@bp.get("/")
@role_required("partner_admin")
def home():
    session, pid = db.session(), _partner_id()
    held = contacts.holders(session, pid)
    tokens = partner_tokens.partner_tokens(session, pid)
    now = clock.now()
    return render_template(
        "partner_admin/home.html", users=user_admin.partner_users(session, pid), held=held,
        contacts=contacts.partner_contacts(session, pid), roles=roles.list_roles(session, pid),
        active_tokens=[t for t in tokens if partner_tokens.status(t, now) == "active"],
        approvals=[a for a in agent_access.approvals_given(session, pid) if not a.revoked_at],
        held_by_me=agent_access.approvals_held(session, pid))


@bp.get("/users")
@role_required("partner_admin")
def list_users():
    return render_template("partner_admin/users.html",
                           users=user_admin.partner_users(db.session(), _partner_id()),
                           confirm=ConfirmForm())


def _access_fields(form) -> dict:
    by_role = form.access.data == "named_role"
    return {"role": form.role.data, "privileges": [] if by_role else form.privileges.data,
            "role_id": form.named_role.data if by_role else None,
            "contact_types": form.contact_types.data, "notify": form.notify.data}


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("partner_admin")
def new_user():
    session = db.session()
    form = UserCreateForm()
    form.set_roles([r for r, _n in roles.list_roles(session, _partner_id())])
    if not form.validate_on_submit():
        return render_template("partner_admin/user_new.html", form=form), \
            422 if form.is_submitted() else 200
    try:
        user, password = user_admin.create_user(
            session, current_user.partner, username=form.username.data,
            email=form.email.data, actor=actor(), now=clock.now(), **_access_fields(form),
            full_name=form.full_name.data, phone=form.phone.data or "")
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return render_template("partner_admin/user_new.html", form=form), status
    return no_store(_once("user_created", user=user, password=password))


def _once(kind: str, **values):
    """A page that shows a secret once (not cached, not redirected to)."""
    return make_response(render_template("partner_admin/secret_once.html", kind=kind,
                                         **values))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("partner_admin")
def edit_user(user_id: int):
    session = db.session()
    user = user_admin.partner_user(session, _partner_id(), user_id)
    form = UserEditForm() if request.method == "POST" else UserEditForm(
        formdata=None, email=user.email, full_name=user.full_name, phone=user.phone or "",
        role=user.role,
        access="named_role" if user.named_role else "privileges",
        privileges=sorted(user.privileges), named_role=user.role_id or 0,
        contact_types=sorted(user.contact_types), notify=sorted(user.notify))
    form.set_roles([r for r, _n in roles.list_roles(session, _partner_id())])
    if request.method == "GET" or not form.validate():
        return render_template("partner_admin/user_edit.html", form=form, user=user,
                               confirm=ConfirmForm()), 200 if request.method == "GET" else 422
    try:
        user_admin.update_access(session, user, email=form.email.data, actor=actor(),
                                 now=clock.now(), **_access_fields(form),
                                 full_name=form.full_name.data or "",
                                 phone=form.phone.data or "")
    except GatewayError as err:
        text, status = failed(err)
        flash(text, "error")
        return render_template("partner_admin/user_edit.html", form=form, user=user,
                               confirm=ConfirmForm()), status
    flash(f"{user.username} updated.", "success")
    return redirect(url_for("partner_admin.list_users"))


@bp.post("/users/<int:user_id>/disable")
@role_required("partner_admin")
def disable_user(user_id: int):
    user = _confirmed_user(user_id)
    if user is None:
        return _back_to_user(user_id)
    try:
        orphaned = user_admin.disable(db.session(), user, actor=actor(), now=clock.now())
    except GatewayError as err:
        return _back_to_user(user_id, err)
    flash(f"{user.username} is disabled: login and API tokens stopped at once. The user stays "
          "listed and keeps its history.", "success")
    if orphaned:
        flash("Nobody receives " + ", ".join(orphaned) + " notices now: give the contact "
              "type to a user or contact.", "warning")
    return redirect(url_for("partner_admin.list_users"))


@bp.post("/users/<int:user_id>/reset-password")
@role_required("partner_admin")
def reset_password(user_id: int):
    user = _confirmed_user(user_id)
    if user is None:
        return _back_to_user(user_id)
    try:
        password = user_admin.reset_password(db.session(), user, actor=actor(), now=clock.now())
    except GatewayError as err:
        return _back_to_user(user_id, err)
    return no_store(_once("password_reset", user=user, password=password))


def _confirmed_user(user_id: int):
    """The partner's user behind a confirmed button on its page; None when the form expired."""
    user = user_admin.partner_user(db.session(), _partner_id(), user_id)
    if ConfirmForm().validate():
        return user
    flash("The form expired; try again.", "error")
    return None


def _back_to_user(user_id: int, err: GatewayError | None = None):
    """Back to the user's page, saying why the action was refused."""
    if err is not None:
        flash(failed(err)[0], "error")
    return redirect(url_for("partner_admin.edit_user", user_id=user_id))
