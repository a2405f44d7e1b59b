"""GET shows the port the link is about; POST (confirm=yes) disputes it. A link that does not
work answers 404 and changes nothing (the refusal counts toward the address's limit)."""
from __future__ import annotations

from flask import render_template, request

from forms.protection import DisputeForm
from gateway import clock, db
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.protection import disputes
from gateway.stop import bp


def _gone():
    """404: the link is unknown, used up or expired; nothing of the order changes. The refusal
    alone is written and committed here (a 4xx answer rolls the request back), so that guessing
    links from one address meets the limit."""
    session = db.session()
    session.rollback()
    disputes.note_refused(session, request.remote_addr, now=clock.now())
    session.commit()
    return render_template("stop/gone.html", profile=carrier_profile()), 404


def _link(token: str):
    """The link's order as the page shows it (None: unknown, used or expired), after the
    per-address limit."""
    session = db.session()
    disputes.check_rate(session, request.remote_addr, now=clock.now())
    profile = carrier_profile()
    return disputes.view(session, token, carrier_name=profile.carrier_name,
                         enduser_phone=profile.enduser_phone)


@bp.get("/stop/<token>")
def show(token: str):
    found = _link(token)
    if found is None:
        return _gone()
    return render_template("stop/show.html", v=found, form=DisputeForm(), token=token)


@bp.post("/stop/<token>")
def dispute(token: str):
    found = _link(token)
    if found is None:
        return _gone()
    form = DisputeForm()
    if not form.validate_on_submit():
        return render_template("stop/show.html", v=found, form=form, token=token,
                               error="Press the button to confirm."), 400
    ctx = composition.order_context(None, disputes.end_user(request.remote_addr))
    if disputes.dispute(ctx, token) is None:
        return _gone()
    return render_template("stop/done.html", v=found)
