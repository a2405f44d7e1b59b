"""Order search (GET form, no CSRF: it changes nothing), supplements and escalations."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from forms._adapters import CatalogFormat, choices, field_help
from forms.tn_lines import normalize

STATUSES = ("foc", "rejected", "manual_review", "canceled", "expired", "completed")
STATUS_LABELS = {"foc": "FOC", "rejected": "Rejected", "manual_review": "Awaiting the desk",
                 "canceled": "Canceled", "expired": "Expired", "completed": "Completed"}
REASONS = choices([("foc_overdue", "FOC overdue"), ("csr_overdue", "CSR overdue"),
                   ("reject_disputed", "Reject disputed"),
                   ("port_day_problem", "Port-day problem")])


def _tn(form, field) -> None:
    if field.data:
        tn = normalize(field.data)
        if tn is None:
            raise ValidationError("Enter a 10-digit TN.")
        field.data = tn


class OrderSearchForm(FlaskForm):
    """Filters of the orders list; read from the query string."""

    class Meta:
        csrf = False

    pon = StringField("PON", validators=[Optional(), Length(max=16)])
    tn = StringField("TN", validators=[Optional(), _tn])
    status = SelectField("Status", default="", validate_choice=True, choices=choices(
        [("", "Any status")] + [(s, STATUS_LABELS[s]) for s in STATUSES]))
    # a dashboard tile's set of orders; the view fills the choices from the service that
    # counts the tiles, so that the list a tile opens is the one it counts
    show = SelectField("Dashboard set", default="", validate_choice=True,
                       choices=choices([("", "Any order")]))
    date_from = DateField("Received from", validators=[Optional()])
    date_to = DateField("Received to", validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class _Sup(FlaskForm):
    ver = StringField("VER", validators=[DataRequired(), CatalogFormat("ver")],
                      description="A version not used before on this PON.")


class CancelForm(_Sup):
    """SUP 1: cancel the order (§6.1)."""

    confirm = BooleanField("Yes, cancel this order and its pending NPAC subscriptions",
                           validators=[DataRequired("Tick the box to confirm the cancel.")])


class DueDateForm(_Sup):
    """SUP 2: a new desired due date (§6.2)."""

    ddd = DateField("New desired due date (DDD)", validators=[DataRequired(
        "Choose the new desired due date.")], description=field_help("ddd"))


class EscalationForm(FlaskForm):
    """Escalate an order to the state's LNP contacts (§8.2)."""

    reason = SelectField("Reason", choices=REASONS, validate_choice=True)
    text = TextAreaField("What happened", validators=[DataRequired(
        "Tell the desk what happened."), Length(max=2000)],
        description="What you expected, what you see, and who to call back.")
    partner_ticket = StringField("Your ticket number", validators=[Optional(), Length(max=40)],
                                 description="Your own trouble ticket, so both desks can refer "
                                             "to it.")
    problem_started_at = DateTimeLocalField("Problem started at", validators=[Optional()],
                                            description="In your time zone (your profile's).")


class StateForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField("State", default="", validate_choice=True)
