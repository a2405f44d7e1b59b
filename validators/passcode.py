"""Port-out passcodes (business-rules §4.5, §1.3.3): keyed slow hashes, compared in constant time.

A passcode is CPNI and a 4-digit one has only 10,000 values: no hash cost alone protects it
once the database leaks. So the hash is keyed: HMAC-SHA256 with a server-side pepper (the
config, never the database), then scrypt (memory-hard) with a random salt. Without the pepper
a stolen table cannot be searched at all; with it, every guess still costs a scrypt. Online
guessing is stopped by the R308 lock (5 failures in 24 hours).

Hashes of the first scheme (salted, unkeyed SHA-256, "sha256$salt$digest") still verify, and
the caller re-hashes them with the keyed scheme on first use (`needs_rehash`).
"""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field

LEGACY_SCHEME = "sha256"
SCHEME = "scrypt-hmac"
SALT_BYTES = 16
_MAX_N = 2 ** 20  # refuse absurd costs read from a stored hash (memory is n * r * 128 bytes)


@dataclass(frozen=True)
class PasscodeKey:
    """The pepper and the scrypt cost of new hashes (stored hashes carry their own cost)."""

    pepper: bytes = field(repr=False)
    n: int = 2 ** 14
    r: int = 8
    p: int = 1


def _keyed(pepper: bytes, passcode: str) -> bytes:
    return hmac.new(pepper, passcode.encode("utf-8"), hashlib.sha256).digest()


def _scrypt_keyed(keyed: bytes, salt: bytes, n: int, r: int, p: int) -> str:
    return hashlib.scrypt(keyed, salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 1024 * 1024,
                          dklen=32).hex()


def _scrypt(pepper: bytes, passcode: str, salt: bytes, n: int, r: int, p: int) -> str:
    return _scrypt_keyed(_keyed(pepper, passcode), salt, n, r, p)


def hash_passcode(passcode: str, key: PasscodeKey, salt: bytes | None = None) -> str:
    """Hash a passcode as "scrypt-hmac$n$r$p$<salt hex>$<hash hex>" with a fresh salt."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = _scrypt(key.pepper, str(passcode), salt, key.n, key.r, key.p)
    return f"{SCHEME}${key.n}${key.r}${key.p}${salt.hex()}${digest}"


def legacy_hash_passcode(passcode: str, salt: bytes | None = None) -> str:
    """The first scheme, "sha256$<salt hex>$<digest hex>" (kept to test the migration)."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.sha256(salt + str(passcode).encode("utf-8")).hexdigest()
    return f"{LEGACY_SCHEME}${salt.hex()}${digest}"


def needs_rehash(stored: str | None) -> bool:
    """Tell whether a stored hash is of the old, unkeyed scheme."""
    return isinstance(stored, str) and stored.startswith(LEGACY_SCHEME + "$")


def passcode_proof(passcode: str, pepper: bytes) -> str:
    """The keyed HMAC of a passcode that the keyed scheme feeds to scrypt (hex): what an order
    keeps of the passcode it carried, so that a later SUP 3 that sends none can be told whether
    it equals the account's passcode *now* (§4.5, §6.3). Useless without the pepper."""
    return _keyed(pepper, passcode).hex()


def proof_matches(proof: object, stored: str | None) -> bool:
    """Tell whether a `passcode_proof` is of the passcode a keyed-scheme hash was made from
    (False for a legacy or malformed hash, or no proof: the passcode must then be given)."""
    if not isinstance(proof, str) or not isinstance(stored, str):
        return False
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return False
    try:
        keyed = bytes.fromhex(proof)
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        if len(keyed) != 32 or not _cost_ok(n, r, p):
            return False
        return hmac.compare_digest(_scrypt_keyed(keyed, bytes.fromhex(parts[4]), n, r, p),
                                   parts[5])
    except ValueError:
        return False


def _cost_ok(n: int, r: int, p: int) -> bool:
    return 1 < n <= _MAX_N and n & (n - 1) == 0 and 0 < r <= 32 and 0 < p <= 16


def passcode_matches(passcode: object, stored: str | None, pepper: bytes = b"") -> bool:
    """Tell whether a passcode matches a stored hash of either scheme (False if malformed)."""
    if not isinstance(passcode, str) or not isinstance(stored, str):
        return False
    parts = stored.split("$")
    try:
        if len(parts) == 3 and parts[0] == LEGACY_SCHEME:
            salt = bytes.fromhex(parts[1])
            digest = hashlib.sha256(salt + passcode.encode("utf-8")).hexdigest()
            return hmac.compare_digest(digest, parts[2])
        if len(parts) == 6 and parts[0] == SCHEME:  # the keyed scheme: its proof checked
            return proof_matches(passcode_proof(passcode, pepper), stored)
    except ValueError:
        return False
    return False
