"""Every user's own profile: email, display time zone and password."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from forms.auth import PasswordChangeForm
from forms.profile import ProfileForm
from gateway import clock, db
from gateway.auth.views import bp
from gateway.errors import GatewayError
from gateway.services.identity import user_admin
from gateway.services.identity.actors import Actor


def _actor() -> Actor:
    return Actor.from_user(current_user, request.remote_addr)


def _page(profile=None, password=None, status: int = 200):
    profile = profile or ProfileForm(formdata=None, email=current_user.email,
                                     timezone=current_user.timezone)
    password = password or PasswordChangeForm(formdata=None)
    return render_template("auth/profile.html", profile=profile, password=password,
                           now=clock.now()), status


@bp.get("/profile")
@login_required
def profile():
    return _page()


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if not form.validate():
        return _page(profile=form, status=422)
    try:
        user_admin.update_profile(db.session(), current_user._get_current_object(),
                                  email=form.email.data, timezone=form.timezone.data,
                                  actor=_actor(), now=clock.now())
    except GatewayError as err:
        db.session().rollback()
        flash(err.message, "error")
        return _page(profile=form, status=422 if err.status == 400 else err.status)
    flash(f"Profile saved. Times are now shown in {form.timezone.data}.", "success")
    return redirect(url_for("auth.profile"))


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordChangeForm()
    if not form.validate():
        return _page(password=form, status=422)
    user = current_user._get_current_object()
    try:
        user_admin.change_own_password(db.session(), user, form.current.data, form.new.data,
                                       actor=_actor(), now=clock.now())
    except GatewayError as err:
        db.session().rollback()
        target = form.current if err.code == "wrong_password" else form.new
        target.errors = list(target.errors) + [err.message]
        return _page(password=form, status=422 if err.status == 400 else err.status)
    login_user(user)  # other sessions ended with the change; this one carries on
    flash("Password changed. Your other sessions are signed out.", "success")
    return redirect(url_for("auth.profile"))
