"""The note form of an order's conversation (business-rules §13.1): syntax only; the
attachment's content (PDF, PNG or JPEG) is judged by the notes service."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from forms.csr import LOA_EXTENSIONS, LOA_MAX_BYTES

NOTE_MAX = 2000


class NoteForm(FlaskForm):
    """A note on an order, with at most one attachment."""

    text = TextAreaField("Note", validators=[DataRequired("Write the note."),
                                             Length(max=NOTE_MAX)],
                         description=f"1 to {NOTE_MAX} characters.",
                         render_kw={"rows": 3, "maxlength": NOTE_MAX})
    attachment = FileField("Attachment (optional)", validators=[
        FileAllowed(LOA_EXTENSIONS, "Attach a PDF, PNG or JPEG file."),
        FileSize(LOA_MAX_BYTES, message="The attachment must be at most 5 MB.")],
        description="PDF, PNG or JPEG, at most 5 MB (an LOA, for example).")

    def upload(self) -> tuple[str, bytes] | None:
        """The chosen file's name and bytes (None when no file was chosen)."""
        storage = self.attachment.data
        if storage is None or not getattr(storage, "filename", ""):
            return None
        return storage.filename[:200], storage.read(LOA_MAX_BYTES + 1)


class StaffNoteForm(NoteForm):
    """The desk's note: it may ask the partner for information (the order awaits it)."""

    request_info = BooleanField("Request information from the partner (the order shows "
                                "awaiting partner until it answers)")
