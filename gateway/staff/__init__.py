"""Carrier staff consoles: work queue, decisions, manual entry, partners, accounts, escalations,
the outbox and the desk dashboard. Every page needs a staff login (`staff` or `staff_admin`)."""
from flask import Blueprint, abort
from flask_login import current_user

from gateway.auth import for_roles

bp = Blueprint("staff", __name__)


@bp.before_request
def _staff_only():
    """Anonymous users go to the login page; partner users get 403."""
    from gateway.extensions import login_manager

    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403, description=for_roles(["staff", "staff_admin"]))
    return None


from gateway.staff import (  # noqa: E402,F401
    accounts,
    audit_views,
    dashboard,
    escalations,
    manual,
    notes,
    outbox,
    partners,
    protection,
    users,
    views,
)
