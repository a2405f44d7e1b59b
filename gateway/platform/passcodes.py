"""The key of account passcode hashes (business-rules §1.3.3), from the configuration."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from flask import current_app

from validators.passcode import PasscodeKey


def passcode_key(config: Mapping[str, Any] | None = None) -> PasscodeKey:
    """The pepper and cost of new passcode hashes.

    `PASSCODE_PEPPER` when set (keep it when SECRET_KEY rotates: hashes made with a pepper
    verify only with it); else derived from SECRET_KEY. `PASSCODE_HASH` gives the scrypt cost
    of new hashes (`n`, `r`, `p`); stored hashes carry their own."""
    config = current_app.config if config is None else config
    pepper = config.get("PASSCODE_PEPPER")
    if pepper:
        key = pepper.encode() if isinstance(pepper, str) else bytes(pepper)
    else:
        key = hmac.new(str(config["SECRET_KEY"]).encode(), b"portgate passcode pepper",
                       hashlib.sha256).digest()
    return PasscodeKey(pepper=key, **dict(config.get("PASSCODE_HASH") or {}))
