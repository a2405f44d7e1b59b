"""Partner portal: dashboard, CSR requests, LSRs and orders."""
from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from gateway.portal import batch_views, csr_views, lsr_views, order_views, views  # noqa: E402,F401
