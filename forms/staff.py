"""Forms of the carrier staff consoles (Flask-WTF, CSRF on every form).

Syntax only: required inputs, lengths, choices. The rules (reject codes, due dates, partner
checks) are the services' and the rules engine's. A request received by fax or email is
transcribed as sent, so the manual-entry forms do not judge LSR field formats: the rules
engine answers a bad field with its reject code, as it would for an electronic request.
"""
from __future__ import annotations

import base64
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from forms._adapters import choices  # the staff views set their options with it too
from validators.catalog import FIELDS, REJECT_CODES

LOA_TYPES = ["pdf", "png", "jpg", "jpeg"]
LOA_MAX = 5 * 1024 * 1024
CHANNELS = (("fax", "Fax"), ("email", "Email"))
CODE_KEYS = {"ccna", "cc", "nnsp", "npdi", "reqtyp", "act", "exp", "chc", "agauth", "mi",
             "eu.state"}
LSR_KEYS = [k for k, spec in FIELDS.items() if spec.form in ("LSR", "EU") and k != "sup"]
_TN_SPLIT = re.compile(r"[\n,;]+")
_TN_PUNCT = re.compile(r"[\s().\-+/]")


def field_name(key: str) -> str:
    """The form field of a catalog key ("eu.zip" -> "eu_zip")."""
    return key.replace(".", "_")


def split_tns(text: str | None) -> list[str]:
    """TNs one per line (or comma-separated); punctuation inside a TN is dropped, and a
    piece that is not digits is kept as written so the rules engine names it (R602)."""
    tns = []
    for piece in _TN_SPLIT.split(text or ""):
        piece = piece.strip()
        if not piece:
            continue
        digits = _TN_PUNCT.sub("", piece)
        if digits.isdigit():
            tns.append(digits[1:] if len(digits) == 11 and digits.startswith("1") else digits)
        else:
            tns.append(piece[:20])
    return tns


def loa_body(storage) -> dict | None:
    """An uploaded LOA as the API's {filename, content_base64} object."""
    if not storage or not getattr(storage, "filename", ""):
        return None
    data = storage.read()
    return {"filename": storage.filename[:200],
            "content_base64": base64.b64encode(data).decode("ascii")}


def add_error(form, name: str, message: str) -> None:
    """Attach a service's error to a field, so the error summary and the field show it."""
    target = form[name] if name in form else next(iter(form))
    target.errors = [*target.errors, message]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _loa_field() -> FileField:
    return FileField("End user's LOA (agents)", description="PDF, PNG or JPEG, at most 5 MB; "
                     "required from third-party agents (R102).", validators=[
        FileAllowed(LOA_TYPES, "The LOA must be a PDF, PNG or JPEG file."),
        FileSize(LOA_MAX, message="The LOA must be at most 5 MB.")])


class ReceivedMixin:
    """Who sent the request, how, and when it arrived (business-rules §5.1)."""

    partner = SelectField("Trading partner (sender)", validators=[DataRequired()])
    channel = SelectField("Received by", choices=choices(CHANNELS), validators=[DataRequired()])
    received_at = DateTimeLocalField("Received at (from the fax or email header)",
                                     validators=[InputRequired("Enter the received time.")])
    received_zone = SelectField("Time zone of the received time", validators=[DataRequired()])

    def setup(self, partners: list[tuple[str, str]], zones: list[str], zone: str) -> None:
        self.partner.choices = choices([("", "Choose the partner…")] + partners)
        self.received_zone.choices = choices((z, z.replace("_", " ")) for z in zones)
        if not self.received_zone.data:
            self.received_zone.data = zone

    def received_instant(self) -> datetime | None:
        """The received time as an aware instant in the chosen zone."""
        if self.received_at.data is None:
            return None
        return self.received_at.data.replace(tzinfo=ZoneInfo(self.received_zone.data))


def _lsr_field(key: str):
    spec = FIELDS[key]
    help_text = f"{spec.format} · {spec.required}"
    limit = 500 if key == "remarks" else 60
    kind = TextAreaField if key == "remarks" else StringField
    return kind(spec.obf_field if key != "init_tel" else "INIT TEL NO", description=help_text,
                validators=[Optional(), Length(max=limit)],
                render_kw={"autocomplete": "off", "title": spec.meaning})


class _ManualLsrBase(ReceivedMixin, FlaskForm):
    LSR_FIELDS = [field_name(k) for k in LSR_KEYS if FIELDS[k].form == "LSR"]
    EU_FIELDS = [field_name(k) for k in LSR_KEYS if FIELDS[k].form == "EU"]

    tns = TextAreaField("PORTED NBR (TNs to port)", description=FIELDS["tns"].meaning +
                        ". One per line or comma-separated, as on the request.",
                        validators=[Length(max=20000)], render_kw={"rows": 5})
    loa = _loa_field()

    def lsr_body(self) -> dict:
        """The LSR as the API takes it; blank fields are left out (blank counts as absent)."""
        body: dict = {}
        eu: dict = {}
        for key in LSR_KEYS:
            value = (self[field_name(key)].data or "").strip()
            if not value:
                continue
            value = value.upper() if key in CODE_KEYS else value
            (eu if key.startswith("eu.") else body)[key.removeprefix("eu.")] = value
        body["eu"] = eu
        body["tns"] = split_tns(self.tns.data)
        loa = loa_body(self.loa.data)
        if loa:
            body["loa"] = loa
        return body


ManualLsrForm = type("ManualLsrForm", (_ManualLsrBase,),
                     {field_name(k): _lsr_field(k) for k in LSR_KEYS})
ManualLsrForm.__doc__ = "An LSR received by fax or email, transcribed by the LNP desk (§8.1)."


class ManualCsrForm(ReceivedMixin, FlaskForm):
    """A CSR request received by fax or email (§3, §8.1)."""

    tn = StringField("TN (usually the BTN)", validators=[DataRequired(), Length(max=20)])
    an = StringField("Account number (if given)", validators=[Optional(), Length(max=20)])
    ccna = StringField("CCNA on the request (blank: the sender's own)",
                       validators=[Optional(), Length(max=3)])
    agauth = BooleanField("The request affirms the end user's authorization (AGAUTH = Y)")
    loa = _loa_field()

    def csr_body(self, default_ccna: str) -> dict:
        digits = _TN_PUNCT.sub("", self.tn.data or "")
        body = {"tn": digits if digits.isdigit() else (self.tn.data or "").strip(),
                "agauth": "Y" if self.agauth.data else "N",
                "ccna": (self.ccna.data or default_ccna).strip().upper()}
        if (self.an.data or "").strip():
            body["an"] = self.an.data.strip()
        loa = loa_body(self.loa.data)
        if loa:
            body["loa"] = loa
        return body


class FocDecisionForm(FlaskForm):
    """Issue the FOC with a due date (§7.2)."""

    due_date = DateField("FOC due date", validators=[InputRequired("Choose the FOC due date.")])
    # §13.2: a coordinated cut's time; the service judges it (400 invalid_due_time)
    due_time = StringField("Cut time (HH:MM local)", validators=[Optional(), Length(max=5)],
                           render_kw={"type": "time"})


class RejectDecisionForm(FlaskForm):
    """Reject an order in review with codes and remarks (§7.2)."""

    codes = MultiCheckboxField("Reject codes", validators=[DataRequired("Choose at least one "
                                                                        "reject code.")])
    remarks = TextAreaField("Remarks to the partner", validators=[Length(max=500)],
                            description="Required with R901. At most 500 characters.")

    def setup(self) -> None:
        lsr_codes = [c for c in REJECT_CODES.values() if "lsr" in c.applies_to]
        lsr_codes.sort(key=lambda c: (c.code != "R901", c.code))
        self.codes.choices = choices((c.code, f"{c.code} — {c.message}") for c in lsr_codes)

    def validate_remarks(self, field) -> None:
        if "R901" in (self.codes.data or []) and not (field.data or "").strip():
            raise ValidationError("R901 needs remarks: say why the desk rejects the order.")


class PartnerProfileForm(FlaskForm):
    """A Trading Partner Profile (business-rules §1.1)."""

    name = StringField("Company name", validators=[DataRequired(), Length(max=120)])
    ccna = StringField("CCNA (3 letters)", validators=[DataRequired(), Length(min=3, max=3)])
    type = SelectField("Company type", validators=[DataRequired()])
    spids = StringField("NPAC SPIDs (comma-separated; agents may have none)",
                        validators=[Length(max=200)])
    ocn = StringField("OCN (4 letters or digits; agents may leave blank)",
                      validators=[Optional(), Length(max=4)])
    street = StringField("Street address", validators=[DataRequired(), Length(max=120)])
    city = StringField("City", validators=[DataRequired(), Length(max=60)])
    state = StringField("State", validators=[DataRequired(), Length(min=2, max=2)])
    zip = StringField("ZIP", validators=[DataRequired(), Length(max=10)])
    received_on = DateField("Profile received on", validators=[InputRequired()])
    notes = TextAreaField("Notes for the desk", validators=[Length(max=1000)])

    def setup(self, types: tuple[str, ...]) -> None:
        self.type.choices = choices((t, t.replace("_", " ")) for t in types)

    def spid_list(self) -> list[str]:
        return [s for s in re.split(r"[\s,;]+", (self.spids.data or "").upper()) if s]


def _admin_fields(n: int, required: bool) -> dict:
    check = [DataRequired()] if required else [Optional()]
    return {f"admin{n}_name": StringField(f"Administrator {n}: name", validators=check
                                          + [Length(max=120)]),
            f"admin{n}_username": StringField(f"Administrator {n}: username",
                                              validators=check + [Length(max=80)]),
            f"admin{n}_email": StringField(f"Administrator {n}: email",
                                           validators=check + [Length(max=200)],
                                           render_kw={"type": "email"}),
            f"admin{n}_phone": StringField(f"Administrator {n}: phone",
                                           validators=check + [Length(max=20)],
                                           render_kw={"type": "tel"})}


for _n, _required in ((1, True), (2, False)):
    for _name, _field in _admin_fields(_n, _required).items():
        setattr(PartnerProfileForm, _name, _field)
PartnerProfileForm.ADMIN_PARTS = ("name", "username", "email", "phone")


def admin_entries(form: PartnerProfileForm) -> list[dict]:
    """The administrators filled in (a second one half filled in is an error)."""
    entries = []
    for n in (1, 2):
        values = {p: (form[f"admin{n}_{p}"].data or "").strip() for p in form.ADMIN_PARTS}
        if any(values.values()):
            missing = [p for p, v in values.items() if not v]
            for part in missing:
                add_error(form, f"admin{n}_{part}", "Fill in every detail of this administrator "
                                                    "or none.")
            values["phone"] = _TN_PUNCT.sub("", values["phone"])
            entries.append(values)
    return entries


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason (kept in the audit trail and sent to the partner)",
                           validators=[DataRequired("Give the reason."), Length(max=500)])


class ResolveForm(FlaskForm):
    resolution = TextAreaField("Resolution (sent to the partner)",
                               validators=[DataRequired("Say how it was resolved."),
                                           Length(max=2000)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class EscalationContactForm(FlaskForm):
    state = SelectField("State", validators=[DataRequired()])
    # AnyOf, not NumberRange: NumberRange turns the value into a float, and a 400-digit
    # level would raise OverflowError (a 500) instead of a form error
    level = IntegerField("Level", validators=[InputRequired(), AnyOf(
        range(1, 10), message="The level must be a whole number from 1 to 9.")])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    title = StringField("Title", validators=[Length(max=120)])
    email = StringField("Email", validators=[DataRequired(), Length(max=200)],
                        render_kw={"type": "email"})
    phone = StringField("Phone", validators=[DataRequired(), Length(max=20)],
                        render_kw={"type": "tel"})
    hours = StringField("Hours", validators=[DataRequired(), Length(max=120)],
                        description="e.g. Mon-Fri 08:00-17:00 Mountain")


class ContactImportForm(FlaskForm):
    file = FileField("Escalation contacts CSV (state,level,name,title,email,phone,hours)",
                     validators=[FileRequired("Choose a CSV file."),
                                 FileAllowed(["csv", "txt"], "Upload a .csv file."),
                                 FileSize(1024 * 1024, message="At most 1 MB.")])


class WelcomePasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                             description="At least 12 characters, mixing three of: lower case, "
                                         "upper case, digits, symbols.")
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", "Passwords differ.")])
