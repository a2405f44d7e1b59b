"""Say so when the FOC date is later than the date asked for (§5.3, §6.2): never a silent move."""
from __future__ import annotations

from datetime import date

from gateway.models import Lsr, LsrVersion


def _asked(payload: object) -> date | None:
    value = payload.get("ddd") if isinstance(payload, dict) else None
    try:
        return date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None


def _setting_version(lsr: Lsr) -> LsrVersion | None:
    """The version whose automatic decision gave the current due date (None when the LNP desk
    chose the date: its FOC is issued later than the version arrived)."""
    for version in reversed(lsr.versions):
        if version.due_date == lsr.due_date and version.at == lsr.foc_issued_at:
            return version
    return None


def due_date_note(lsr: Lsr) -> str | None:
    """"you asked 2026-11-01; the earliest is 2026-12-08 (§5.3)" when the FOC moved the DDD
    (a SUP 2: §6.2), else None."""
    if lsr.due_date is None or lsr.foc_issued_at is None:
        return None
    version = _setting_version(lsr)
    asked = _asked(version.payload if version is not None else None)
    if version is None or asked is None or asked >= lsr.due_date:
        return None
    rule = "§6.2" if version.sup == "2" else "§5.3"
    return f"you asked {asked.isoformat()}; the earliest is {lsr.due_date.isoformat()} ({rule})"
