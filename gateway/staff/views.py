"""Staff pages."""
from flask import render_template

from gateway import clock, db
from gateway.auth import role_required
from gateway.services import dashboards
from gateway.staff import bp


@bp.get("/")
@role_required("staff", "staff_admin")
def home():
    summary = dashboards.staff_summary(db.session(), now=clock.now())
    return render_template("staff/home.html", summary=summary)
