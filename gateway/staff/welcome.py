"""The one-time link a new partner administrator follows to choose a password (§1.1)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from forms.staff import WelcomePasswordForm, add_error
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.services.partners import onboarding

welcome_bp = Blueprint("welcome", __name__)


@welcome_bp.route("/welcome/<token>", methods=["GET", "POST"])
def set_password(token: str):
    session, now = db.session(), clock.now()
    secret = current_app.config["SECRET_KEY"]
    try:
        user = onboarding.user_for_token(session, token, secret=secret, now=now)
    except GatewayError as err:
        return render_template("staff/welcome.html", form=None, message=err.message), 410
    form = WelcomePasswordForm()
    if form.validate_on_submit():
        try:
            onboarding.set_password_from_link(session, token, form.password.data, secret=secret,
                                              now=now, ip=request.remote_addr)
        except GatewayError as err:
            add_error(form, "password", err.message)
        else:
            flash(f"Your password is set, {user.username}. Sign in to Portgate.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("staff/welcome.html", form=form, user=user), status
