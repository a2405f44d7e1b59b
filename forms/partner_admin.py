"""Partner administration forms: users, named roles, contacts, API tokens, webhook, agents."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forms._adapters import choices
from forms.profile import EMAIL_PATTERN
from validators.phone import PHONE_HINT, phone_ok

PRIVILEGES = choices([("csr", "csr · request CSRs"), ("lsr", "lsr · send LSRs and supplements"),
                      ("view", "view · read orders and CSRs")])
CONTACT_TYPES = choices([("foc", "FOC"), ("reject", "Reject"), ("completion", "Completion"),
                         ("jeopardy", "Jeopardy"), ("escalation", "Escalation")])
# notification preferences (issue 15): the categories of gateway.models.partners.NOTICE_CATEGORIES
NOTICE_CATEGORIES = choices([
    ("foc", "FOC · confirmations, manual review, cancellations"),
    ("reject", "Reject · LSR and CSR rejects"),
    ("completion", "Completion · port completed"),
    ("expiry", "Expiry · porting window ended"),
    ("jeopardy", "Jeopardy · overdue FOC, NPAC conflict, end-user dispute or release"),
    ("notes", "Notes · the port-out desk's notes on orders"),
    ("batches", "Batches · an LSR batch is done")])
PEOPLE_DEFAULT = ["completion", "expiry", "foc", "jeopardy", "notes", "reject"]
PEOPLE_HELP = ("Of what the contact types bring: FOC, reject and completion come with the "
               "contact type of that name; expiry, jeopardy and notes with jeopardy. Batch "
               "results reach whoever ticks Batches.")
ROLES = choices([("partner_user", "Partner user"), ("partner_admin", "Partner administrator")])
_EMAIL = Regexp(EMAIL_PATTERN, message="Enter an email address like name@example.com.")


def _phone(form, field) -> None:
    if field.data and not phone_ok(field.data):
        raise ValidationError(PHONE_HINT)


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes (one per choice) in a list."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class _Access(FlaskForm):
    role = RadioField("Role", choices=ROLES, default="partner_user", validate_choice=True)
    access = RadioField("Privileges come from", default="privileges", validate_choice=True,
                        choices=choices([("privileges", "the privileges ticked below"),
                                         ("named_role", "a named role")]))
    privileges = MultiCheckboxField("Privileges", choices=PRIVILEGES, default=["view"])
    named_role = SelectField("Named role", coerce=int, validate_choice=False)
    contact_types = MultiCheckboxField(
        "Notices this user receives", choices=CONTACT_TYPES,
        description="Contact types (business-rules §1.3): who is emailed about what.")
    notify = MultiCheckboxField("Events this user receives", choices=NOTICE_CATEGORIES,
                                default=PEOPLE_DEFAULT, description=PEOPLE_HELP)

    def set_roles(self, roles: Iterable[Any]) -> None:
        self.named_role.choices = choices([(0, "Choose a role…")]
                                          + [(r.id, r.name) for r in roles])

    def validate_named_role(self, field) -> None:
        if self.access.data != "named_role":
            return
        if field.data not in {c.value for c in field.choices if c.value}:
            raise ValidationError("Choose one of your company's named roles.")

    def validate_privileges(self, field) -> None:
        if self.access.data == "privileges" and not field.data:
            raise ValidationError("Tick at least one privilege, or choose a named role.")


class _Person(FlaskForm):
    """Who the user is (business-rules §1.3.2): shown wherever the user's actions are listed."""

    full_name = StringField("Full name", validators=[Optional(), Length(max=120)],
                            description="Shown beside the user's actions; the username when "
                                        "left empty.")
    phone = StringField("Phone (optional)", validators=[Optional(), Length(max=30), Regexp(
        r"^[0-9+().\- x]{7,30}$", message="Digits, spaces and + ( ) - . x only.")],
        render_kw={"inputmode": "tel", "autocomplete": "off"})


class UserCreateForm(_Access, _Person):
    username = StringField("Username", validators=[DataRequired(), Regexp(
        r"^[A-Za-z0-9._@-]{3,80}$", message="3-80 letters, digits or . _ @ -")],
        render_kw={"autocomplete": "off"})
    email = EmailField("Email", validators=[DataRequired(), Length(max=200), _EMAIL])


class UserEditForm(_Access, _Person):
    email = EmailField("Email", validators=[DataRequired(), Length(max=200), _EMAIL])


class RoleForm(FlaskForm):
    name = StringField("Role name", validators=[DataRequired(), Length(max=60)],
                       description="For example: Order desk, CSR only, Read only.")
    privileges = MultiCheckboxField("Privileges", choices=PRIVILEGES, validators=[
        DataRequired("Tick at least one privilege.")])


def _contact_types() -> MultiCheckboxField:
    return MultiCheckboxField("Notices this contact receives", choices=CONTACT_TYPES,
                              validators=[DataRequired("Tick at least one contact type.")])


def _contact_events() -> MultiCheckboxField:
    return MultiCheckboxField("Events this contact receives", choices=NOTICE_CATEGORIES,
                              default=PEOPLE_DEFAULT, description=PEOPLE_HELP)


class ContactForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=200), _EMAIL])
    phone = StringField("Phone", validators=[DataRequired(), Length(max=30), _phone],
        render_kw={"inputmode": "tel", "autocomplete": "off"})
    types = _contact_types()
    notify = _contact_events()


class ContactTypesForm(FlaskForm):
    types = _contact_types()
    notify = _contact_events()


class TokenForm(FlaskForm):
    user_id = SelectField("Token acts as user", coerce=int, validate_choice=True,
                          description="The token has that user's privileges; disabling the "
                                      "user stops the token at once.")
    name = StringField("Name", validators=[DataRequired(), Length(max=80)],
                       description="Where it is used, e.g. 'OSS integration (prod)'.")
    expires_on = DateField("Expires on (optional)", validators=[Optional()],
                           description="The token stops at the end of that day, your time.")


class WebhookForm(FlaskForm):
    url = URLField("Webhook URL", validators=[Optional(), Length(max=500)],
                   description="Leave empty to stop webhook notices.")
    secret = StringField("Signing secret", validators=[Optional(), Length(min=16, max=200)],
                         render_kw={"autocomplete": "off"},
                         description="At least 16 characters. Leave empty to keep the current "
                                     "secret, or to have one generated for a new webhook.")
    events = MultiCheckboxField(
        "Events the webhook receives", choices=NOTICE_CATEGORIES,
        default=[c.value for c in NOTICE_CATEGORIES],
        description="CSR answers, escalations and agent access steps always go.")
    https_only = False  # the view sets it from the configuration

    def validate_url(self, field) -> None:
        """Checked here too, so a bad URL and a short secret are reported together."""
        url = (field.data or "").strip()
        if not url:
            return
        try:
            parsed = urlparse(url)
        except ValueError:  # "http://[::1": an address urlparse cannot read
            raise ValidationError(f"{url[:60]!r} is not a URL.") from None
        allowed = ("https",) if self.https_only else ("http", "https")
        if parsed.scheme not in allowed or not parsed.netloc:
            raise ValidationError(f"{url[:60]!r} is not an {' or '.join(allowed)} URL; enter "
                                  "one like https://oss.example.net/portgate.")


class AgentGrantForm(FlaskForm):
    agent_ccna = StringField("Agent company's CCNA", validators=[DataRequired(), Regexp(
        r"^[A-Za-z]{3}$", message="3 letters.")], render_kw={"autocomplete": "off"})
    privileges = MultiCheckboxField("The agent may", choices=PRIVILEGES, validators=[
        DataRequired("Tick at least one privilege.")])


class AccessRequestForm(FlaskForm):
    """An agent asks a carrier for access (business-rules §1.1.2)."""

    carrier_ccna = StringField("Carrier's CCNA", validators=[DataRequired(), Regexp(
        r"^[A-Za-z]{3}$", message="3 letters.")], render_kw={"autocomplete": "off"})
    privileges = MultiCheckboxField("You ask to", choices=PRIVILEGES, validators=[
        DataRequired("Tick at least one privilege.")])
    reason = TextAreaField("Why", validators=[DataRequired("Say why you ask."), Length(max=1000)],
                           description="The carrier's administrators read this, e.g. the "
                                       "contract or the customers you port for them.")


class AccessDecisionForm(FlaskForm):
    """The carrier approves (with the privileges asked for or fewer) or declines."""

    privileges = MultiCheckboxField("Approve with", choices=PRIVILEGES,
                                    description="Untick what you do not grant; you cannot add "
                                                "what the agent did not ask for.")
    note = StringField("Note to the agent (optional)", validators=[Optional(), Length(max=500)])
