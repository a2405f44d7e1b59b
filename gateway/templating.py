"""Template filters and globals: times shown in the user's zone, stored in UTC."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user


def _user_zone() -> ZoneInfo:
    name = getattr(current_user, "timezone", None) if current_user else None
    try:
        return ZoneInfo(name or "America/Los_Angeles")
    except (KeyError, ValueError):
        return ZoneInfo("America/Los_Angeles")


def localtime(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """Format a UTC datetime in the viewing user's time zone."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(_user_zone()).strftime(fmt)
    return value.isoformat()


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.jinja_env.globals["carrier_name"] = app.extensions["portgate_profile"].carrier_name
