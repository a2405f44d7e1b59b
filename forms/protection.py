"""Forms of port-out protection (business-rules §11): the end user's dispute, the desk's
freeze by request and its decision on a held order. Syntax only; CSRF on every form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from forms._adapters import choices

FREEZE_CHANNELS = (("phone", "Phone"), ("email", "Email"), ("store", "In a store"))


class DisputeForm(FlaskForm):
    """The one confirmed button of the dispute page (api-contract §4.5: confirm=yes)."""

    confirm = HiddenField(default="yes", validators=[AnyOf(["yes"])])


class FreezeForm(FlaskForm):
    """Place or lift an account's port-out freeze at the end user's request (§11.1)."""

    freeze = RadioField("Port-out freeze", choices=choices((("on", "Place the freeze"),
                                                            ("off", "Lift the freeze"))),
                        validators=[DataRequired()])
    channel = SelectField("The end user asked by", choices=choices(FREEZE_CHANNELS),
                          validators=[DataRequired()])
    note = TextAreaField("Note", validators=[DataRequired(), Length(max=500)],
                         description="Who asked and how they were verified (kept in the audit "
                                     "trail).")


class HoldDecisionForm(FlaskForm):
    """Release a held order or cancel it (end_user_dispute) (§11.2)."""

    action = HiddenField(validators=[AnyOf(["release", "cancel"])])
    remarks = TextAreaField("Remarks", validators=[Optional(), Length(max=500)],
                            description="What the end user or the partner said (optional).")
