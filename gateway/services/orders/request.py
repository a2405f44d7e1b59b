"""An LSR request parsed once, at the edge (api-contract §4.2): typed envelope values for the
services, a normalized copy for what is recorded, and the raw mapping for the rules engine,
which reports a value of the wrong JSON type as a business reject (R601/R602, 201).

Nothing downstream reads the body again: services read the typed fields, the engine `raw`,
and pages, lists and exports render from `recorded()` — text only, so that no stored body can
break them."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gateway.services.serialize import stored_payload
from validators.passcode import passcode_proof

PON_RE = re.compile(r"[A-Za-z0-9]{1,16}")  # fullmatch: "$" would allow a trailing newline
VER_RE = re.compile(r"[A-Za-z0-9]{1,2}")
MAX_TNS_KEPT = 1000  # a list longer than any LSR may carry (R603) is kept only this far
MAX_TEXT = 500
_TN = re.compile(r"[0-9]{10}")  # fullmatch, ASCII digits: "5415550142\n" is no TN


class CleanTns(list[str]):
    """`clean_tns`'s answer: distinct well-formed TNs in order. Cleaning it again returns it
    as it is (a 500-TN LSR's list is read by the submission, its decision and its facts)."""


def clean_tns(values: Iterable[Any]) -> CleanTns:
    """Return the distinct well-formed 10-digit strings among the values, in order."""
    if type(values) is CleanTns:
        return values
    return CleanTns(dict.fromkeys(v for v in values if isinstance(v, str) and _TN.fullmatch(v)))


def _text(value: Any) -> str | None:
    """A stripped text; None when absent, blank or not a string."""
    return value.strip() or None if isinstance(value, str) else None


def _as_text(value: Any, limit: int = MAX_TEXT) -> str:
    """Any JSON value as the text it is kept as (a non-string one as its JSON)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text[:limit]


def _normal_tns(value: Any) -> list[str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    items = value if isinstance(value, list) else [value]
    return [_as_text(item, 40) for item in items[:MAX_TNS_KEPT]]


def _normal_eu(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k)[:40]: _as_text(v, 200) for k, v in list(value.items())[:50] if v is not None}


@dataclass(frozen=True)
class LsrRequest:
    """One LSR, new or a supplement, as the services read it."""

    raw: Mapping[str, Any]
    pon: str | None  # a valid PON, else None (R601/R602 are the engine's)
    ver: str  # a valid VER, else "" (never a truncation, §7.5)
    ver_text: str | None  # VER as sent, stripped: §7.5 compares this
    sup: str | None  # the SUP as sent, stripped; None when absent or blank
    ccna: str | None  # upper-cased
    nnsp: str | None  # NNSP, else CC, upper-cased (the new provider's SPID, §4.3)
    tns: tuple[str, ...]  # the TN list's text items ((): not a list)

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> LsrRequest:
        """Read the envelope of a JSON object body (checked as an object by the edge)."""
        ver_text = _text(body.get("ver"))
        sup = body.get("sup")
        sup_text = _text(sup) if isinstance(sup, str) else (
            str(sup) if isinstance(sup, int) and not isinstance(sup, bool) else None)
        pon = _text(body.get("pon"))
        ccna = _text(body.get("ccna"))
        nnsp = _text(body.get("nnsp")) or _text(body.get("cc"))
        tns = body.get("tns")
        return cls(raw=body, pon=pon if pon and PON_RE.fullmatch(pon) else None,
                   ver=ver_text if ver_text and VER_RE.fullmatch(ver_text) else "",
                   ver_text=ver_text, sup=sup_text, ccna=ccna.upper() if ccna else None,
                   nnsp=nnsp.upper() if nnsp else None,
                   tns=tuple(t for t in tns if isinstance(t, str)) if isinstance(tns, list)
                   else ())

    @cached_property
    def clean_tns(self) -> CleanTns:
        """The distinct well-formed TNs of `tns` (`clean_tns`), worked out once."""
        return clean_tns(self.tns)

    @property
    def is_supplement(self) -> bool:
        return self.sup is not None

    @property
    def spids(self) -> list[str]:
        """The SPIDs the request names (NNSP and CC, as sent), for NPAC's names."""
        return [s for s in (self.raw.get("nnsp"), self.raw.get("cc")) if isinstance(s, str)]

    def content_hash(self) -> str:
        """The identity of the content as sent (passcode digested, the LOA's file content
        digested): §7.5's "same content" (the same PON and VER with another LOA file is R507)."""
        return self._content_hashes[0]

    def same_content(self, stored_hash: str | None) -> bool:
        """Tell whether a version kept with `stored_hash` had this content (§7.5). A version
        kept before the hash saw the LOA's file (its hash has the filename only) matches
        the request's hash without the file: an identical resend of it stays a duplicate."""
        return stored_hash is not None and stored_hash in self._content_hashes

    @cached_property
    def _content_hashes(self) -> tuple[str, ...]:
        """(the content hash, the hash without the LOA's file when the request carries one).
        Worked out once: a 5 MB LOA is digested once per request."""
        kept = stored_payload(dict(self.raw))
        loa = self.raw.get("loa")
        content = loa.get("content_base64") if isinstance(loa, dict) else None
        if content is None or not isinstance(kept.get("loa"), dict):
            return (payload_hash(kept),)
        text = content if isinstance(content, str) else json.dumps(content, default=str)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        hashed = {**kept, "loa": {**kept["loa"], "content_sha256": digest}}
        return payload_hash(hashed), payload_hash(kept)

    def recorded(self, pepper: bytes | None = None) -> dict[str, Any]:
        """The body as it is kept and shown: every value text (tns a list of texts, eu an
        object of texts), the LOA's name only, the passcode as a keyed digest (CPNI) and,
        given the context's `pepper`, its proof (`recorded_body`)."""
        return recorded_body(self.raw, pepper)

    def with_envelope(self, **values: Any) -> LsrRequest:
        """The same request with envelope keys replaced (a supplement addressed by id)."""
        return LsrRequest.parse({**self.raw, **values})


def recorded_body(body: Mapping[str, Any], pepper: bytes | None = None) -> dict[str, Any]:
    """A body as kept (`LsrRequest.recorded`). A passcode that the engine would judge is kept
    as its digest (§7.5 compares that) and, with the order context's `pepper`, its `proof`
    (`validators.passcode.passcode_proof`): a SUP 3 that sends no passcode is told by it
    whether the order's passcode is the account's current one (§4.5, §6.3). The proof is not
    part of the content hash."""
    kept = normalized(stored_payload(dict(body)))
    passcode = body.get("passcode")
    if pepper is not None and isinstance(kept.get("passcode"), dict) \
            and isinstance(passcode, str) and 0 < len(passcode) <= 16:
        kept["passcode"]["proof"] = passcode_proof(passcode, pepper)
    return kept


def passcode_proof_of(kept: Any) -> str | None:
    """The proof a kept body's passcode carries (None: none, or kept before proofs were)."""
    stored = kept.get("passcode") if isinstance(kept, Mapping) else None
    proof = stored.get("proof") if isinstance(stored, Mapping) else None
    return proof if isinstance(proof, str) else None


def payload_hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def normalized(kept: Mapping[str, Any]) -> dict[str, Any]:
    """A kept body with every value in the shape pages and exports expect."""
    out: dict[str, Any] = {}
    for key, value in list(kept.items())[:100]:
        name = str(key)[:40]
        if value is None:
            continue
        if name == "tns":
            out[name] = _normal_tns(value)
        elif name == "eu":
            out[name] = _normal_eu(value)
        elif name in ("loa", "passcode") and isinstance(value, Mapping):
            out[name] = {str(k): _as_text(v, 200) for k, v in value.items()}
        else:
            out[name] = _as_text(value)
    return out
