"""JSON text made and read by orjson, with the standard library's answer wherever orjson has
none (issue 17).

On a 1-TN LSR, the JSON of the answer's body and of the JSON columns the order writes (its
payload, TN lists, audit details, notices) was ~5 % of a served request's CPU, made by the
standard library's pure-Python encoder; orjson makes the same text in C. Nothing a reader of
the text sees changes:

- **Answers** (`JSONProvider`, Flask's `app.json`): keys sorted and compact, as Flask's default
  provider makes them; dates, decimals, UUIDs, dataclasses and `__html__` objects through
  Flask's own `default`. Non-ASCII text is written as UTF-8 ("é", not the escape "\\u00e9"): the
  same JSON (RFC 8259 §8.1). Indented output (`JSONIFY_PRETTYPRINT`, debug) is Flask's.
- **Columns** (`column_text`, the engine's `json_serializer`): the value's JSON, compact; a
  value the standard library refuses (a date, an object) is refused the same way.
- **Reading** (`loads`, `column_value`): what the standard library reads, for every input.
  orjson reads strict RFC 8259 UTF-8; for anything else (`NaN`, integers beyond 64 bits, a
  byte-order mark, UTF-16, lone surrogates, nesting past 1,024) it gives up and the standard
  library reads it, so those keep their answers (the hardening's 400s among them). orjson
  reads an integer beyond 64 bits as a float: text with a run of 19 digits is the standard
  library's too.
- Wherever orjson cannot write a value (an integer beyond 64 bits, a lone surrogate, a key
  that is not a string), the standard library writes it, as before.
"""
from __future__ import annotations

import json
import re
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

# datetimes and dataclasses go to `default` (Flask's conversions, or the refusal columns had)
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_COLUMN = _PASSTHROUGH | orjson.OPT_PASSTHROUGH_SUBCLASS
_ANSWER = _PASSTHROUGH | orjson.OPT_SORT_KEYS
_COMPACT = (",", ":")
# orjson reads an integer beyond 64 bits as a float: below -9223372036854775808 (19 digits)
# or past 18446744073709551615
_LONG_DIGITS = re.compile(r"\d{19}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")


def _read(text: str | bytes | bytearray) -> Any:
    """`json.loads(text)`, by orjson where it reads the same."""
    if not (_LONG_DIGITS.search(text) if isinstance(text, str)
            else _LONG_DIGITS_BYTES.search(text)):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def column_text(value: Any) -> str:
    """A JSON column's text (SQLAlchemy's `json_serializer`): `json.dumps(value)`'s JSON."""
    try:
        return orjson.dumps(value, option=_COLUMN).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def column_value(text: str | bytes) -> Any:
    """A JSON column's value (SQLAlchemy's `json_deserializer`): `json.loads(text)`."""
    return _read(text)


class JSONProvider(DefaultJSONProvider):
    """Flask's default JSON provider, its compact sorted answers and request bodies read by
    orjson (`app.json`)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs or kwargs == {"separators": _COMPACT}:  # else (an indent): Flask's
            option = _ANSWER if self.sort_keys else _ANSWER & ~orjson.OPT_SORT_KEYS
            try:
                return orjson.dumps(obj, default=self.default, option=option).decode()
            except orjson.JSONEncodeError:
                pass
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return _read(s) if not kwargs else super().loads(s, **kwargs)
