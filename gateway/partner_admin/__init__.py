"""Partner administration: users, roles, contacts, tokens, webhook, agent access."""
from flask import Blueprint

bp = Blueprint("partner_admin", __name__)

from gateway.partner_admin import (  # noqa: E402,F401
    access_request_views,
    access_views,
    settings_views,
    views,
)
