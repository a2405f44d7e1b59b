"""API routes for an order's notes (business-rules §13.1, api-contract §4.2.2)."""
from __future__ import annotations

import io

from flask import g, jsonify, request, send_file

from gateway import clock, db
from gateway.api import READ_LSRS, bp, json_body, require, require_any
from gateway.errors import NotFound
from gateway.models import Lsr
from gateway.platform.carrier_profile import carrier_profile
from gateway.schemas import NoteRequestSchema
from gateway.services import policy
from gateway.services.orders import notes, queries


def _order(lsr_id: int, *, write: bool = False) -> Lsr:
    """The order whose notes the caller reads or writes: staff any; a partner user needs
    `view` or `lsr` to read and `lsr` to write (else 403), and an order it may see (else 404)."""
    session = db.session()
    if g.user.is_staff:
        scope = policy.STAFF
    else:
        require("lsr") if write else require_any(READ_LSRS)
        scope = policy.scope_for(session, g.actor)
    lsr = queries.get_lsr(session, lsr_id, scope, action=policy.Action.NOTE, for_update=write)
    if lsr is None:
        raise NotFound(f"No LSR {lsr_id}.")
    return lsr


@bp.get("/lsrs/<int:lsr_id>/notes")
def list_notes(lsr_id: int):
    lsr = _order(lsr_id)
    return jsonify({"items": [notes.note_body(n) for n in notes.notes_of(db.session(), lsr)]})


@bp.post("/lsrs/<int:lsr_id>/notes")
def write_note(lsr_id: int):
    body = json_body()
    data = NoteRequestSchema().load(body)
    lsr = _order(lsr_id, write=True)
    note = notes.add_note(db.session(), lsr, text=data.get("text"),
                          attachment=notes.attachment_from_json(data.get("attachment")),
                          request_info=data.get("request_info") is True, actor=g.actor,
                          now=clock.now(), profile=carrier_profile())
    return jsonify(notes.note_body(note)), 201


@bp.get("/lsrs/<int:lsr_id>/notes/<int:note_id>/attachment")
def note_attachment(lsr_id: int, note_id: int):
    """The note's file, served only to those who may read the order's notes."""
    session = db.session()
    note = notes.note_with_attachment(session, _order(lsr_id), note_id)
    if note is None or note.attachment_data is None or note.attachment_type is None:
        raise NotFound(f"No attachment on note {note_id}.")
    # the sniffed type, or application/octet-stream for a client that asks for bytes
    mimetype = request.accept_mimetypes.best_match(
        [note.attachment_type, "application/octet-stream"]) or note.attachment_type
    response = send_file(io.BytesIO(note.attachment_data), mimetype=mimetype,
                         as_attachment=True, download_name=note.attachment_filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
