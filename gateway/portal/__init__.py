"""Partner portal: dashboard, CSR requests, LSRs and orders."""
from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from gateway.portal import (  # noqa: E402,F401
    batch_views,
    csr_views,
    lsr_views,
    note_views,
    order_views,
    views,
)
