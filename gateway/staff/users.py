"""Staff admins: users' sign-in state, and resetting a lost second factor (§1.3.1)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from forms.staff import ConfirmForm
from gateway import clock, db
from gateway.models import User
from gateway.services.identity import mfa, users
from gateway.staff import bp
from gateway.staff.common import actor, admin_required


@bp.get("/users")
@admin_required
def sign_in_users():
    text = request.args.get("q", "")[:80]
    rows = users.find_users(db.session(), text)
    return render_template("staff/users.html", rows=rows, q=text, left=mfa.recovery_codes_left)


@bp.post("/users/<int:user_id>/mfa-reset")
@admin_required
def reset_second_factor(user_id: int):
    user = db.session().get(User, user_id)
    if user is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        mfa.reset(db.session(), user, actor=actor(), now=clock.now())
        flash(f"The second factor of {user.username} is removed and their sessions ended: "
              "they set up a new one at their next sign-in.", "success")
    return redirect(url_for(".sign_in_users", q=user.username))
