"""Coordinated ports (business-rules §13.2): CHC = Y asks for a cut at a time of day (DFDT)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Any

from validators.carrier_profile import CarrierProfile
from validators.catalog import finding
from validators.fields import text_of
from validators.findings import Finding

_HHMM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")  # ASCII digits


def is_coordinated(lsr: Any) -> bool:
    """Tell whether the LSR asks for a coordinated cut (CHC = Y)."""
    return isinstance(lsr, Mapping) and text_of(lsr, "chc") == "Y"


def cut_time(text: Any, profile: CarrierProfile) -> time | None:
    """The time of day of a cut as HH:MM inside business hours (08:00 to 16:59), else None."""
    if not isinstance(text, str) or not _HHMM.fullmatch(text.strip()):
        return None
    at = time.fromisoformat(text.strip())
    return at if profile.business_start <= at < profile.business_end else None


def check_coordinated(lsr: Mapping[str, Any], bad: set[str],
                      profile: CarrierProfile) -> list[Finding]:
    """Apply §13.2: CHC = Y needs DFDT (R601); DFDT outside business hours or without
    CHC = Y is R602 (a malformed DFDT is already R602 from its format)."""
    dfdt = text_of(lsr, "dfdt")
    if "dfdt" in bad:
        return []
    if is_coordinated(lsr):
        if dfdt is None:
            return [finding("R601", "dfdt (CHC = Y asks for a coordinated cut at a time of "
                                    "day)", "dfdt")]
        if cut_time(dfdt, profile) is None:
            return [finding("R602", f"dfdt {dfdt!r} is not a time from "
                                    f"{profile.business_start:%H:%M} to "
                                    f"{_last_minute(profile):%H:%M} local", "dfdt")]
        return []
    if dfdt is not None:
        return [finding("R602", "dfdt is given only with CHC = Y (a coordinated cut)", "dfdt")]
    return []


def _last_minute(profile: CarrierProfile) -> time:
    end = profile.business_end
    minutes = end.hour * 60 + end.minute - 1
    return time(minutes // 60, minutes % 60)


def check_due_time(text: Any, *, coordinated: bool, asked: str | None,
                   profile: CarrierProfile) -> tuple[str | None, bool]:
    """The time of day of a staff FOC (§13.2) and whether it is acceptable: a coordinated
    order takes the given time or, when none is given, the asked DFDT; an order that is not
    coordinated takes none (a given one is misplaced)."""
    given = text if not (isinstance(text, str) and not text.strip()) else None
    if not coordinated:
        return None, given is None
    chosen = given if given is not None else asked
    at = cut_time(chosen, profile)
    return (f"{at:%H:%M}", True) if at is not None else (None, False)
