"""Template filters and globals: times shown in the user's zone (stored in UTC), clocks,
status labels and the reject catalog's remedies."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, request
from flask_login import current_user
from markupsafe import Markup

from gateway import clock
from validators.catalog import FIELDS, REJECT_CODES

DEFAULT_ZONE = "America/Los_Angeles"
STATUS_LABELS = {"foc": "FOC", "rejected": "Rejected", "manual_review": "Awaiting the desk",
                 "canceled": "Canceled", "expired": "Expired", "completed": "Completed",
                 "returned": "Returned", "accepted": "Accepted"}


def _user_zone() -> ZoneInfo:
    name = getattr(current_user, "timezone", None) if current_user else None
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def localtime(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """Format a UTC datetime in the viewing user's time zone."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        try:
            return value.astimezone(_user_zone()).strftime(fmt)
        except OverflowError:  # at the calendar's edge (year 9999): shown in UTC
            return value.astimezone(UTC).strftime(fmt)
    return value.isoformat()


def iso_utc(value: datetime | None) -> str:
    """An ISO-8601 UTC instant for data attributes (the live clocks of portgate.js)."""
    return value.astimezone(UTC).isoformat() if value else ""


def duration(seconds: float) -> str:
    """A short duration: 2 d 4 h, 3 h 12 min, 9 min."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{max(minutes, 1)} min" if seconds >= 60 else "under a minute"


def until(value: datetime | None) -> str:
    """How long until the instant ("in 3 h 12 min"), or how long ago it passed."""
    if value is None:
        return ""
    delta = (value - clock.now()).total_seconds()
    return f"in {duration(delta)}" if delta >= 0 else f"{duration(delta)} ago"


def is_past(value: datetime | None) -> bool:
    return value is not None and value < clock.now()


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", (status or "—").replace("_", " "))


def remedy(code: str) -> str:
    row = REJECT_CODES.get(code)
    return row.remedy if row else ""


def field_name(key: str | None) -> str:
    """The OBF name of a reject's field key (eu.zip -> ZIP), else the key."""
    if not key or key == "*":
        return "whole request"
    spec = FIELDS.get(key)
    if spec:
        return spec.obf_field if spec.form != "EU" else f"EU {spec.obf_field}"
    return {"eu.address": "EU service address", "tns": "TNs"}.get(key, key)


def nav_current(*prefixes: str) -> Markup:
    """aria-current for the main navigation link of the current page."""
    endpoint = request.endpoint or ""
    return Markup(' aria-current="page"') if endpoint.startswith(prefixes) else Markup("")


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(iso_utc, "iso_utc")
    app.add_template_filter(until, "until")
    app.add_template_filter(is_past, "is_past")
    app.add_template_filter(status_label, "status_label")
    app.add_template_filter(remedy, "remedy")
    app.add_template_filter(field_name, "field_name")
    app.jinja_env.globals["carrier_name"] = app.extensions["portgate_profile"].carrier_name
    app.jinja_env.globals["nav_current"] = nav_current
    app.jinja_env.globals["server_now"] = lambda: iso_utc(clock.now())
