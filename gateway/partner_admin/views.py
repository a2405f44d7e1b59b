"""Partner administration pages."""
import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from gateway import db
from gateway.auth import role_required
from gateway.models import User
from gateway.partner_admin import bp


@bp.get("/")
@role_required("partner_admin")
def home():
    users = db.session().scalars(sa.select(User).where(User.partner_id == current_user.partner_id)
                                 .order_by(User.username)).all()
    return render_template("partner_admin/home.html", users=users)
