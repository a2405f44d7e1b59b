"""The second step of a sign-in, enrolment with a QR code, and the forced password change."""
from __future__ import annotations

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from forms.auth import CodeForm, PasswordChangeForm
from gateway import clock, db
from gateway.auth import devices, sessions
from gateway.auth.views import bp, finish_sign_in, throttled
from gateway.errors import GatewayError, Unauthorized
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.ratelimit import LoginPolicy, LoginThrottled
from gateway.services.identity import mfa, user_admin
from gateway.services.identity.actors import Actor

ENROL_SECRET = "pg_enrol_secret"
NO_STORE = {"Cache-Control": "no-store"}  # a TOTP key or recovery codes: never cached


def _restart():
    sessions.clear_pending()
    flash("Sign in again: the first step has expired or is no longer valid.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    user = sessions.pending_user()
    if user is None:
        return _restart()
    if not mfa.enrolled(user):
        return redirect(url_for("auth.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            factor = mfa.confirm_sign_in(
                db.session(), user, form.code.data, ip=request.remote_addr,
                device=devices.device_for(user.username), at=clock.wall_now(),
                now=clock.now(), policy=LoginPolicy.from_config(current_app.config))
        except LoginThrottled as err:
            return throttled(err, "auth/second_factor.html", form=form, user=user)
        except Unauthorized as err:  # 200: the unit of work keeps the failure count
            form.code.errors = [err.message]
            return render_template("auth/second_factor.html", form=form, user=user)
        pending = sessions.pending() or {}
        target = finish_sign_in(user, next_url=pending.get("n"),
                                remember=bool(pending.get("r")), second_factor=factor)
        if factor == "recovery_code":
            flash(f"You used a recovery code; {mfa.recovery_codes_left(user)} are left. Ask the "
                  "LNP desk to reset your second factor if you lost your phone.", "warning")
        return redirect(target)
    return render_template("auth/second_factor.html", form=form, user=user)


def _qr_data_uri(uri: str) -> str:
    """The QR code as an inline SVG image, drawn here (no third-party service sees it)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    user = sessions.pending_user()
    if user is None:
        return _restart()
    if mfa.enrolled(user):
        return redirect(url_for("auth.second_factor"))
    held = session.get(ENROL_SECRET)
    if not isinstance(held, dict) or held.get("u") != user.id:
        held = {"u": user.id, "s": mfa.new_secret()}
        session[ENROL_SECRET] = held
    secret = held["s"]
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = mfa.enrol(db.session(), user, secret, form.code.data,
                              actor=Actor.from_user(user, request.remote_addr),
                              at=clock.wall_now(), now=clock.now())
        except GatewayError as err:
            form.code.errors = [err.message]
            status = 422
        else:
            pending = sessions.pending() or {}
            target = finish_sign_in(user, next_url=pending.get("n"),
                                    remember=bool(pending.get("r")), second_factor="totp")
            return render_template("auth/recovery_codes.html", codes=codes, target=target), \
                200, NO_STORE
    uri = mfa.provisioning_uri(secret, user.username, carrier_profile().carrier_name
                               + " Portgate")
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/enrol.html", form=form, user=user, qr=_qr_data_uri(uri),
                           secret=grouped), status, NO_STORE


@bp.route("/password/new", methods=["GET", "POST"])
@login_required
def new_password():
    """A temporary password (set by an administrator or staff) is changed before anything."""
    if not current_user.must_change_password:
        return redirect(url_for("auth.index"))
    form = PasswordChangeForm()
    form.current.label.text = "Temporary password"
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            user_admin.change_own_password(db.session(), user, form.current.data, form.new.data,
                                           actor=Actor.from_user(user, request.remote_addr),
                                           now=clock.now())
        except GatewayError as err:
            db.session().rollback()
            target = form.current if err.code == "wrong_password" else form.new
            target.errors = list(target.errors) + [err.message]
            status = 422
        else:
            login_user(user)  # the change ended every session; this one carries on
            flash("Your new password is set.", "success")
            return redirect(url_for("auth.index"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/new_password.html", form=form), status
