"""Bulk LSRs in the portal (business-rules §12): the CSV upload, then its confirmation."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField

MAX_BATCH_BYTES = 5 * 1024 * 1024


class BatchUploadForm(FlaskForm):
    file = FileField("CSV file of LSRs (one row per TN)", validators=[
        FileRequired("Choose the CSV file to upload."),
        FileAllowed(["csv", "txt"], "Upload a .csv file."),
        FileSize(MAX_BATCH_BYTES, message="The file must be at most 5 MB.")],
        description="Up to 500 LSRs; rows with the same PON form one LSR. "
                    "Start from the template.")


class BatchConfirmForm(FlaskForm):
    """The previewed file, carried back as text to be sent as the batch."""

    csv_text = HiddenField()
    filename = HiddenField()
