"""Partner portal pages."""
from flask import render_template
from flask_login import current_user

from gateway import clock, db
from gateway.auth import role_required
from gateway.portal import bp
from gateway.profile import carrier_profile
from gateway.services import dashboards


@bp.get("/")
@role_required("partner_admin", "partner_user")
def home():
    summary = dashboards.partner_summary(db.session(), current_user.partner_id,
                                         now=clock.now(), profile=carrier_profile())
    return render_template("portal/home.html", summary=summary)
