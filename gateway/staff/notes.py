"""The desk's side of an order's conversation (business-rules §13.1): write a note (maybe a
request for information), fetch an attachment."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, send_file, url_for

from forms.notes import StaffNoteForm
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.platform.carrier_profile import carrier_profile
from gateway.services import policy
from gateway.services.orders import notes, queries
from gateway.staff import bp
from gateway.staff.common import actor


def _upload(form: StaffNoteForm) -> notes.Attachment | None:
    chosen = form.upload()
    return notes.Attachment(*chosen) if chosen else None


def _load(lsr_id: int, *, for_update: bool = False):
    lsr = queries.get_lsr(db.session(), lsr_id, policy.STAFF, for_update=for_update)
    if lsr is None:
        abort(404)
    return lsr


@bp.post("/orders/<int:lsr_id>/notes")
def write_note(lsr_id: int):
    from gateway.staff.views import render_order

    lsr = _load(lsr_id, for_update=True)
    form = StaffNoteForm()
    if not form.validate():
        return render_order(lsr, note_form=form, status=422)
    try:
        notes.add_note(db.session(), lsr, text=form.text.data, attachment=_upload(form),
                       request_info=bool(form.request_info.data), actor=actor(),
                       now=clock.now(), profile=carrier_profile())
    except GatewayError as err:
        db.session().rollback()
        form.text.errors = [*form.text.errors, err.message]
        return render_order(lsr, note_form=form, status=422 if err.status == 400 else err.status)
    flash("Information requested: the order awaits the partner." if form.request_info.data
          else "Note sent to the partner.", "success")
    return redirect(url_for(".order", lsr_id=lsr.id) + "#notes")


@bp.get("/orders/<int:lsr_id>/notes/<int:note_id>/attachment")
def note_attachment(lsr_id: int, note_id: int):
    note = notes.note_with_attachment(db.session(), _load(lsr_id), note_id)
    if note is None or note.attachment_data is None or note.attachment_type is None:
        abort(404)
    response = send_file(io.BytesIO(note.attachment_data), mimetype=note.attachment_type,
                         as_attachment=True, download_name=note.attachment_filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
