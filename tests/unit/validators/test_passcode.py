"""Passcode hashing (business-rules §1.3.3): keyed (pepper) scrypt, constant-time comparison;
the first, unkeyed salted SHA-256 scheme still verifies and is marked for re-hashing."""
from __future__ import annotations

import hashlib

from validators.passcode import (
    PasscodeKey,
    hash_passcode,
    legacy_hash_passcode,
    needs_rehash,
    passcode_matches,
)

KEY = PasscodeKey(pepper=b"server-side pepper", n=16)


def test_passcode_hash_names_scheme_cost_salt_and_digest():
    scheme, n, r, p, salt, digest = hash_passcode("7713", KEY).split("$")
    assert (scheme, n, r, p) == ("scrypt-hmac", "16", "8", "1")
    assert len(salt) == 32 and len(digest) == 64


def test_passcode_hashes_are_salted():
    assert hash_passcode("7713", KEY) != hash_passcode("7713", KEY)


def test_passcode_matches_only_the_right_passcode_with_the_right_pepper():
    stored = hash_passcode("7713", KEY)
    assert passcode_matches("7713", stored, KEY.pepper)
    assert not passcode_matches("7714", stored, KEY.pepper)
    assert not passcode_matches(" 7713", stored, KEY.pepper)
    assert not passcode_matches("7713", stored, b"another pepper")
    assert not passcode_matches("7713", stored)  # the database alone cannot verify it


def test_a_stolen_hash_cannot_be_searched_without_the_pepper():
    stored = hash_passcode("7713", KEY)
    _scheme, n, r, p, salt, digest = stored.split("$")
    # the attack on the old scheme: try the 10,000 four-digit passcodes with the salt alone
    found = [code for code in (f"{i:04d}" for i in range(10000))
             if hashlib.scrypt(code.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                               p=int(p), dklen=32).hex() == digest]
    assert found == []


def test_the_cost_is_the_configured_one_and_is_read_back_from_the_hash():
    slow = PasscodeKey(pepper=KEY.pepper, n=2 ** 14)
    stored = hash_passcode("7713", slow)
    assert stored.split("$")[1] == "16384"
    assert passcode_matches("7713", stored, KEY.pepper)  # verified with the stored cost
    assert PasscodeKey(pepper=b"x").n == 2 ** 14  # the default cost


def test_old_unkeyed_hashes_still_verify_and_need_a_rehash():
    old = legacy_hash_passcode("7713")
    assert old.startswith("sha256$") and needs_rehash(old)
    assert passcode_matches("7713", old, KEY.pepper) and not passcode_matches("7714", old)
    assert not needs_rehash(hash_passcode("7713", KEY)) and not needs_rehash(None)


def test_passcode_matches_rejects_malformed_input():
    stored = hash_passcode("7713", KEY)
    for value, hashed in ((7713, stored), (None, stored), ("7713", None), ("7713", "x$y"),
                          ("7713", "sha256$zz$00"), ("7713", "md5$00$00"),
                          ("7713", "scrypt-hmac$15$8$1$00$00"),  # n not a power of two
                          ("7713", f"scrypt-hmac${2 ** 30}$8$1$00$00"),  # absurd memory
                          ("7713", "scrypt-hmac$16$8$1$zz$00")):
        assert not passcode_matches(value, hashed, KEY.pepper)
