"""The user's own profile: email and display time zone (times are stored in UTC)."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length, Regexp

from forms._adapters import choices

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
US_ZONES = ("America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Boise",
            "America/Chicago", "America/New_York", "America/Anchorage", "Pacific/Honolulu",
            "UTC")


def zone_choices() -> list[tuple[str, str]]:
    """The carrier's usual zones first, then every other IANA zone."""
    known = available_timezones()
    first = [z for z in US_ZONES if z in known or z == "UTC"]
    rest = sorted(z for z in known if z not in first and "/" in z
                  and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return [(z, z.replace("_", " ")) for z in first + rest]


class ProfileForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=200), Regexp(
        EMAIL_PATTERN, message="Enter an email address like name@example.com.")])
    timezone = SelectField("Display time zone", validate_choice=True,
                           description="Times on every page are shown in this zone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices(zone_choices())
