"""Access to the carrier profile loaded once by the factory."""
from flask import current_app

from validators.carrier_profile import CarrierProfile


def carrier_profile() -> CarrierProfile:
    """Return the running app's carrier profile (business-rules §1.2)."""
    return current_app.extensions["portgate_profile"]
