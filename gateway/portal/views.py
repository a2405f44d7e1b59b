"""Partner portal: the dashboard and the escalation contacts of a state."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from forms._adapters import choices
from forms.orders import StateForm
from gateway import db
from gateway.platform import composition
from gateway.platform.carrier_profile import carrier_profile
from gateway.portal import bp
from gateway.portal.common import partner_access, reading_moment, scope
from gateway.services.desk import dashboards
from gateway.services.escalations import ladder as escalations
from gateway.services.orders.cut import cut_words
from gateway.services.portal import reads as portal_reads


@bp.get("/")
@partner_access()
def home():
    session, visible, moment = db.session(), scope(), reading_moment()
    summary = dashboards.partner_summary(session, visible, moment)
    lists = portal_reads.dashboard_lists(session, visible, moment)
    profile = carrier_profile()
    spids = portal_reads.spid_choices(session, composition.registry(session),
                                      current_user.partner)
    return render_template("portal/home.html", summary=summary, lists=lists, spids=spids,
                           cut_words=lambda o, short=False: cut_words(o, profile, short=short))


@bp.get("/escalation-contacts")
@partner_access()
def escalation_contacts():
    profile = carrier_profile()
    form = StateForm(request.args)
    states = [(s, s) for s in sorted(profile.states)]
    form.state.choices = choices([("", "Choose a state…"), *states])
    state = form.state.data if form.state.data in profile.states else None
    levels = escalations.contacts_for_state(db.session(), state) if state else []
    return render_template("portal/escalation_contacts.html", form=form, state=state,
                           levels=levels, manual=state in profile.manual_states)
