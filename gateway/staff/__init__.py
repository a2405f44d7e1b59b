"""Carrier staff consoles: work queue, manual entry, partners, accounts, dashboard."""
from flask import Blueprint

bp = Blueprint("staff", __name__)

from gateway.staff import views  # noqa: E402,F401
