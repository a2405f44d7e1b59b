"""Simulated NPAC API for partners acting as the new provider (api-contract §4.3)."""
from flask import Blueprint

from gateway.api import authenticate_and_count

bp = Blueprint("npac", __name__)
bp.before_request(authenticate_and_count)

from gateway.npac_api import views  # noqa: E402,F401
