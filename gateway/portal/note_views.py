"""The order's conversation on the portal (business-rules §13.1): write a note, fetch an
attachment. The thread itself is shown on the order page."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, send_file, url_for

from forms.notes import NoteForm
from gateway import clock, db
from gateway.errors import GatewayError
from gateway.platform.carrier_profile import carrier_profile
from gateway.portal import bp
from gateway.portal.common import actor, failed, partner_access, scope
from gateway.services import policy
from gateway.services.orders import notes, queries


def _order(lsr_id: int, *, for_update: bool = False):
    lsr = queries.get_lsr(db.session(), lsr_id, scope(), action=policy.Action.NOTE,
                          for_update=for_update)
    if lsr is None:
        abort(404, description=f"No order {lsr_id} for your company.")
    return lsr


def upload(form) -> notes.Attachment | None:
    """The form's file as an attachment (None when no file was chosen)."""
    chosen = form.upload()
    return notes.Attachment(*chosen) if chosen else None


@bp.post("/orders/<int:lsr_id>/notes")
@partner_access("lsr")
def write_note(lsr_id: int):
    from gateway.portal.order_views import render_order

    lsr = _order(lsr_id, for_update=True)
    form = NoteForm()
    if not form.validate():
        return render_order(lsr, note=form, status=422)
    try:
        notes.add_note(db.session(), lsr, text=form.text.data, attachment=upload(form),
                       request_info=False, actor=actor(), now=clock.now(),
                       profile=carrier_profile())
    except GatewayError as err:
        text, status = failed(err)
        form.text.errors = [*form.text.errors, text]
        return render_order(lsr, note=form, status=status)
    flash("Your note was sent to the carrier's LNP desk.", "success")
    return redirect(url_for("portal.show_order", lsr_id=lsr.id) + "#notes")


@bp.get("/orders/<int:lsr_id>/notes/<int:note_id>/attachment")
@partner_access("view", "lsr")
def note_attachment(lsr_id: int, note_id: int):
    note = notes.note_with_attachment(db.session(), _order(lsr_id), note_id)
    if note is None or note.attachment_data is None or note.attachment_type is None:
        abort(404)
    response = send_file(io.BytesIO(note.attachment_data), mimetype=note.attachment_type,
                         as_attachment=True, download_name=note.attachment_filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
