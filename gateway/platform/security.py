"""Password and token hashing (argon2id for passwords, SHA-256 for random API tokens)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

TOKEN_PREFIX = "pgt_"


def _hasher() -> PasswordHasher:
    params = current_app.config["PASSWORD_HASH"] if has_app_context() else {}
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    """Hash a password with argon2id (memory-hard)."""
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Check a password against its hash in constant time."""
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def passcode_digest(passcode: str) -> str:
    """A keyed digest of a passcode an LSR carried, kept in place of the passcode itself.

    Keyed with SECRET_KEY: a 4-digit passcode's plain hash is guessed in 10,000 tries, so only
    a digest nobody can recompute without the key may sit in the order's stored body.
    """
    key = str(current_app.config["SECRET_KEY"]).encode() if has_app_context() else b""
    return "hmac-sha256:" + hmac.new(key, passcode.encode("utf-8"), hashlib.sha256).hexdigest()


def new_token() -> str:
    """Return a new random API token (shown once, stored only as its hash)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Hash a token for storage and look-up (tokens are random: no salt or KDF needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


PASSWORD_MIN_LENGTH = 12


def password_problems(password: str, username: str = "") -> list[str]:
    """Return what is wrong with a new password under the password policy (empty when fine)."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"must be at least {PASSWORD_MIN_LENGTH} characters")
    classes = sum(bool(any(test(c) for c in password))
                  for test in (str.islower, str.isupper, str.isdigit,
                               lambda c: not c.isalnum()))
    if classes < 3:
        problems.append("must mix at least three of: lower case, upper case, digits, symbols")
    if username and username.lower() in password.lower():
        problems.append("must not contain the username")
    return problems
