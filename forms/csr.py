"""The CSR request form (business-rules §3.1): TN, AN, the attestation, an LOA for agents."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from forms._adapters import CatalogFormat, choices
from forms.tn_lines import normalize

LOA_EXTENSIONS = ["pdf", "png", "jpg", "jpeg"]
LOA_MAX_BYTES = 5 * 1024 * 1024


def _tn(form, field) -> None:
    tn = normalize(field.data or "")
    if tn is None:
        raise ValidationError("Enter a 10-digit NANP telephone number (NPA and NXX start 2-9).")
    field.data = tn


class CsrRequestForm(FlaskForm):
    """Ask for a CSR; `attestation` carries the exact text the requester affirms."""

    tn = StringField("Telephone number (TN)", validators=[DataRequired(), _tn],
                     description="Usually the BTN of the account, 10 digits.")
    an = StringField("Account number (AN)", validators=[Optional(), CatalogFormat("an")],
                     description="Optional: the account number at the losing carrier, if known.")
    ccna = SelectField("Request for (CCNA)", validate_choice=True,
                       description="Your own CCNA, or a carrier that approved your company.")
    attestation = BooleanField(validators=[DataRequired(
        "Tick the attestation: a CSR is released only with the end user's authorization.")])
    loa = FileField("End user's letter of authorization (LOA)", validators=[
        FileAllowed(LOA_EXTENSIONS, "The LOA must be a PDF, PNG or JPEG file."),
        FileSize(LOA_MAX_BYTES, message="The LOA must be at most 5 MB.")],
        description="PDF, PNG or JPEG, at most 5 MB. Required from third-party agents.")

    def __init__(self, *args, ccnas: list[str], attestation_text: str, agent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # (value, label) pairs: gateway/portal/prefill.py reads them with dict() (issue 12)
        self.ccna.choices = choices((c, c) for c in ccnas)
        if not self.ccna.data:
            self.ccna.data = ccnas[0]
        self.attestation.label.text = attestation_text
        self.agent = agent

    def validate_loa(self, field) -> None:
        if self.agent and not field.data:
            raise ValidationError("Attach the end user's signed LOA: third-party agents must "
                                  "send one with every request (R102).")
