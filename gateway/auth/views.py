"""Login and logout pages."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forms.auth import LoginForm
from gateway import clock, db
from gateway.errors import Unauthorized
from gateway.platform.ratelimit import LoginPolicy, LoginThrottled
from gateway.services.identity import users
from gateway.services.identity.actors import Actor

bp = Blueprint("auth", __name__)


def home_for(user) -> str:
    if user.is_staff:
        return url_for("staff.home")
    if user.is_partner_admin:
        return url_for("partner_admin.home")
    return url_for("portal.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(db.session(), form.username.data, form.password.data,
                                      now=clock.now(), ip=request.remote_addr,
                                      policy=LoginPolicy.from_config(current_app.config))
        except LoginThrottled as err:  # 429: nothing to record, the block is already stored
            flash(err.message, "error")
            return render_template("auth/login.html", form=form), 429, \
                {"Retry-After": str(err.extra.get("retry_after", 60))}
        except Unauthorized as err:
            # answered 200 so the request's unit of work keeps the failed-login count
            flash(err.message, "error")
            return render_template("auth/login.html", form=form)
        login_user(user, remember=form.remember.data)
        target = request.args.get("next", "")
        if not target.startswith("/") or urlparse(target).netloc or target.startswith("//"):
            target = home_for(user)
        return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # a signed-cookie session cannot be deleted server-side: end the user's sessions instead
    users.end_sessions(db.session(), current_user._get_current_object(),
                       actor=Actor.from_user(current_user, request.remote_addr), now=clock.now())
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


from gateway.auth import profile_views  # noqa: E402,F401  (the profile routes on this bp)
