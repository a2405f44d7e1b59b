"""Port-out passcodes (business-rules §4.5): salted SHA-256, compared in constant time.

Why not a slow KDF (argon2, scrypt): accounts are bulk-imported (hundreds of thousands of rows
per file) and hashing must keep up with that; a 4-digit passcode has only 10,000 values, so no
hash cost would protect it against an offline search anyway. It is protected online instead, by
the R308 lock (5 failures in 24 hours lock port-outs), and the salt stops precomputed tables.
"""
from __future__ import annotations

import hashlib
import hmac
import os

SCHEME = "sha256"
SALT_BYTES = 16


def _digest(salt: bytes, passcode: str) -> str:
    return hashlib.sha256(salt + passcode.encode("utf-8")).hexdigest()


def hash_passcode(passcode: str, salt: bytes | None = None) -> str:
    """Hash a passcode as "sha256$<salt hex>$<digest hex>" with a fresh random salt."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    return f"{SCHEME}${salt.hex()}${_digest(salt, str(passcode))}"


def passcode_matches(passcode: object, stored: str | None) -> bool:
    """Tell whether a passcode matches a stored hash (False for anything malformed)."""
    if not isinstance(passcode, str) or not isinstance(stored, str):
        return False
    parts = stored.split("$")
    if len(parts) != 3 or parts[0] != SCHEME:
        return False
    try:
        salt = bytes.fromhex(parts[1])
    except ValueError:
        return False
    return hmac.compare_digest(_digest(salt, passcode), parts[2])
