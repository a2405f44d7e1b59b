"""The only clock: real UTC time, or FROZEN_NOW from the configuration (api-contract §1)."""
from __future__ import annotations

import functools
from datetime import UTC, datetime

from dateutil.parser import isoparse
from flask import current_app, has_app_context


def parse_instant(value: str | datetime) -> datetime:
    """Parse an ISO-8601 timestamp that carries an offset; naive values are refused.

    dateutil's strict ISO-8601 parser also takes the basic forms (`20261123T100000-0800`)
    that operators paste from other systems.
    """
    moment = value if isinstance(value, datetime) else isoparse(str(value).strip())
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset")
    return moment


def now() -> datetime:
    """Return the current instant (aware, UTC), honouring FROZEN_NOW on the running app."""
    frozen = current_app.config.get("FROZEN_NOW") if has_app_context() else None
    if frozen:
        return _frozen_instant(frozen)
    return datetime.now(UTC)


@functools.lru_cache(maxsize=32)
def _frozen_instant(value: str | datetime) -> datetime:
    """FROZEN_NOW as an instant, parsed once per value (dateutil's parser took ~30 µs a call,
    twice per API request: as much as the rest of `now`'s callers' work on the demo clock)."""
    return parse_instant(value).astimezone(UTC)


def wall_now() -> datetime:
    """Return the real current instant (aware, UTC), whatever FROZEN_NOW says.

    Session limits (business-rules §1.3.1) and TOTP codes run on wall-clock time: a frozen demo
    clock must not keep a session alive forever, and an authenticator app knows only real time.
    Tests move it by monkeypatching this function (callers look it up as `clock.wall_now`).
    """
    return datetime.now(UTC)
