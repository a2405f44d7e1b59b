"""The end user's "I did not ask for this" page (business-rules §11.2, api-contract §4.5):
public (no sign-in), one confirmed, CSRF-protected button, rate-limited per address."""
from flask import Blueprint

bp = Blueprint("stop", __name__)

from gateway.stop import views  # noqa: E402,F401
