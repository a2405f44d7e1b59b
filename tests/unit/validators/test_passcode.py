"""Passcode hashing: salted SHA-256, constant-time comparison."""
from __future__ import annotations

import time

from validators.passcode import hash_passcode, passcode_matches


def test_passcode_hash_has_scheme_salt_and_digest():
    scheme, salt, digest = hash_passcode("7713").split("$")
    assert scheme == "sha256" and len(salt) == 32 and len(digest) == 64


def test_passcode_hashes_are_salted():
    assert hash_passcode("7713") != hash_passcode("7713")


def test_passcode_matches_only_the_right_passcode():
    stored = hash_passcode("7713")
    assert passcode_matches("7713", stored)
    assert not passcode_matches("7714", stored)
    assert not passcode_matches(" 7713", stored)


def test_passcode_matches_rejects_malformed_input():
    stored = hash_passcode("7713")
    for value, hashed in ((7713, stored), (None, stored), ("7713", None), ("7713", "x$y"),
                          ("7713", "sha256$zz$00"), ("7713", "md5$00$00")):
        assert not passcode_matches(value, hashed)


def test_passcode_hashing_is_fast_enough_for_bulk_imports():
    start = time.perf_counter()
    for _ in range(20000):
        hash_passcode("7713")
    assert time.perf_counter() - start < 1.0
