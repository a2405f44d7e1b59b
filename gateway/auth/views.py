"""Login and logout pages (the password step; the second step is in mfa_views)."""
from __future__ import annotations

from flask import (
    Blueprint,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from forms.auth import LoginForm
from gateway import clock, db
from gateway.auth import devices, sessions
from gateway.auth.redirects import safe_next
from gateway.errors import Unauthorized
from gateway.platform.ratelimit import LoginPolicy, LoginThrottled
from gateway.services.identity import mfa, users
from gateway.services.identity.actors import Actor

bp = Blueprint("auth", __name__)


def home_for(user) -> str:
    if user.is_staff:
        return url_for("staff.home")
    if user.is_partner_admin:
        return url_for("partner_admin.home")
    return url_for("portal.home")


def throttled(err: LoginThrottled, template: str, **context):
    """429 with Retry-After: nothing to record, the wait is already stored."""
    flash(err.message, "error")
    return render_template(template, **context), 429, \
        {"Retry-After": str(err.extra.get("retry_after", 60))}


def finish_sign_in(user, *, next_url: str | None, remember: bool,
                   second_factor: str | None) -> str:
    """Open the session once every step passed; return where the user goes next."""
    users.record_sign_in(db.session(), user, ip=request.remote_addr, now=clock.now(),
                         second_factor=second_factor)
    sessions.start(user, remember=remember, second_factor=second_factor)
    username = user.username
    after_this_request(lambda response: devices.remember(response, username))
    if user.must_change_password:
        return url_for("auth.new_password")
    return next_url or home_for(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        name = form.username.data
        try:
            user = users.authenticate(db.session(), name, form.password.data,
                                      now=clock.now(), ip=request.remote_addr,
                                      policy=LoginPolicy.from_config(current_app.config),
                                      device=devices.device_for(name))
        except LoginThrottled as err:
            return throttled(err, "auth/login.html", form=form)
        except Unauthorized as err:
            # answered 200 so the request's unit of work keeps the failure counts
            flash(err.message, "error")
            return render_template("auth/login.html", form=form)
        next_url = safe_next(request.args.get("next"))
        if mfa.required(user, sessions.mfa_roles()):
            sessions.begin_pending(user, next_url=next_url, remember=form.remember.data)
            endpoint = "auth.second_factor" if mfa.enrolled(user) else "auth.enrol"
            return redirect(url_for(endpoint))
        return redirect(finish_sign_in(user, next_url=next_url, remember=form.remember.data,
                                       second_factor=None))
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


from gateway.auth import mfa_views, profile_views  # noqa: E402,F401  (more routes on this bp)
