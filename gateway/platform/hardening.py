"""Input hardening at the edge: text every database can store, JSON of sane shape.

PostgreSQL refuses NUL in text and jsonb, no driver can encode a lone UTF-16 surrogate, and a
JSON document nested thousands deep exhausts the parser's recursion: each would surface as a
500 far from the edge. They are refused here, once, as 400 `bad_request`, before any service
runs, so nothing is recorded.
"""
from __future__ import annotations

import math
from typing import Any

from flask import Flask, request

from gateway.errors import InvalidInput, NotFound

MAX_JSON_DEPTH = 32  # an LSR is 3 deep (body -> eu / tns / loa -> value)
MAX_ID = 2**31 - 1  # the largest id an INTEGER key holds (PostgreSQL refuses to compare more)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def id_from_text(value: object) -> int | None:
    """An id typed in a query string or form field: ASCII digits within an INTEGER key's
    range, else None (`str.isdigit` takes "²", which `int` refuses, and `int` takes other
    scripts' digits; an id beyond the column's range makes PostgreSQL refuse the query)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def bad_text(value: str) -> bool:
    """True when a string holds a NUL or cannot be encoded as UTF-8 (a lone surrogate)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _refuse(where: str) -> None:
    raise InvalidInput(f"The {where} contains a NUL character or text that is not valid UTF-8.",
                       code="bad_request")


def check_json(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse (400) JSON nested deeper than max_depth, bad text, NaN or infinite numbers."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise InvalidInput(f"The request body is nested deeper than {max_depth} levels.",
                               code="bad_request")
        if isinstance(item, dict):
            for key, child in item.items():
                if bad_text(key):
                    _refuse("request body")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            joined = _texts(item) if depth < max_depth else None
            if joined is None:
                stack.extend((child, depth + 1) for child in item)
            elif bad_text(joined):  # a list of texts (an LSR's 500 TNs) checked as one text
                _refuse("request body")
        elif isinstance(item, str):
            if bad_text(item):
                _refuse("request body")
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidInput("The request body holds a number that is not finite.",
                               code="bad_request")


def _texts(items: list[Any]) -> str | None:
    """The list's items joined, when every one is a text (None otherwise)."""
    try:
        return "".join(items)
    except TypeError:
        return None


def parse_json_object() -> dict:
    """The request body as a JSON object, checked; else 400 bad_request (api-contract §4)."""
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:
        raise InvalidInput(f"The request body is nested deeper than {MAX_JSON_DEPTH} levels.",
                           code="bad_request") from None
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    check_json(data)
    return data


def _multi_items(values) -> list[tuple[str, str]]:
    return list(values.items(multi=True)) if values else []


def check_request_text() -> None:
    """Refuse query strings, path parts and form fields with NUL or undecodable text, and ids
    beyond any column's range (404)."""
    for key, value in _multi_items(request.args):
        if bad_text(key) or bad_text(value):
            _refuse("query string")
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and bad_text(value):
            _refuse("address")
        if isinstance(value, int) and value > MAX_ID:  # no row has it; SQLite cannot bind it
            raise NotFound("No such object.")
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        for key, value in _multi_items(request.form):
            if bad_text(key) or bad_text(value):
                _refuse("form")


def register_hardening(app: Flask) -> None:
    """Check every request's text before any view (and before CSRF reads the form)."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_request_text)
    # the remember-me cookie gets the session cookie's flags (Secure only behind TLS)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", bool(app.config.get("SESSION_COOKIE_SECURE")))
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", app.config.get("SESSION_COOKIE_SAMESITE"))
