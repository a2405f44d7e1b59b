"""Notes on an order (business-rules §13.1, api-contract §4.2.2): the partner and the LNP desk
write on one order, optionally with one attachment checked by its content, and staff may ask
for information (the order then awaits the partner)."""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import Lsr, OrderNote
from gateway.services.csr.loas import MAX_LOA_BYTES, safe_filename, sniff
from gateway.services.identity import people
from gateway.services.identity.actors import Actor
from gateway.services.orders import transitions
from gateway.services.serialize import iso
from validators.carrier_profile import CarrierProfile

MAX_TEXT = 2000
MAX_ATTACHMENT_BYTES = MAX_LOA_BYTES  # 5 MB, as an LOA (§3.1)


@dataclass(frozen=True)
class Attachment:
    """A file as sent: its name and its bytes (judged by content, not by name)."""

    filename: str
    data: bytes


def attachment_from_json(value: Any) -> Attachment | None:
    """The API's `{"filename", "content_base64"}` as an attachment (400 bad_attachment when
    it is not that shape or not base64)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("content_base64"), str):
        raise InvalidInput("attachment must be {\"filename\", \"content_base64\"}.",
                           code="bad_attachment", fields={"attachment": "not a file object"})
    text = value["content_base64"]
    if len(text) > (MAX_ATTACHMENT_BYTES * 4) // 3 + 8:  # larger than 5 MB once decoded
        raise InvalidInput("The attachment is over 5 MB.", code="bad_attachment",
                           fields={"attachment": "over 5 MB"})
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("attachment.content_base64 is not base64.", code="bad_attachment",
                           fields={"attachment": "not base64"}) from None
    name = value.get("filename")
    return Attachment(str(name)[:200] if name is not None else "attachment", data)


def add_note(session: Session, order: Lsr, *, text: Any, attachment: Attachment | None,
             request_info: bool, actor: Actor, now: datetime,
             profile: CarrierProfile) -> OrderNote:
    """Write a note on an order the actor may note (the caller asked the policy).

    :raises InvalidInput: text empty or over 2,000 characters (bad_request); an attachment
        that is not a PDF, PNG or JPEG by content, or over 5 MB (bad_attachment).
    """
    if not isinstance(text, str) or not text.strip() or len(text.strip()) > MAX_TEXT:
        raise InvalidInput(f"text must be 1 to {MAX_TEXT} characters.", code="bad_request",
                           fields={"text": f"1 to {MAX_TEXT} characters"})
    staff = actor.is_staff
    author = people.person(session, actor.user_id)  # the user's full name (§1.3.2)
    note = OrderNote(lsr_id=order.id, author_kind="staff" if staff else "partner",
                     partner_id=None if staff else actor.partner_id, user_id=actor.user_id,
                     author_name=(author.name if author else actor.label)[:120],
                     text=text.strip(),
                     request_info=bool(request_info) and staff, at=now)  # partners' is ignored
    if attachment is not None:
        kind = sniff(attachment.data)
        if kind is None or len(attachment.data) > MAX_ATTACHMENT_BYTES:
            raise InvalidInput("The attachment must be a PDF, PNG or JPEG of at most 5 MB.",
                               code="bad_attachment",
                               fields={"attachment": "PDF, PNG or JPEG up to 5 MB"})
        note.attachment_filename = safe_filename(attachment.filename, kind)
        note.attachment_type, note.attachment_size = kind, len(attachment.data)
        note.attachment_sha256 = hashlib.sha256(attachment.data).hexdigest()
        note.attachment_data = attachment.data
    session.add(note)
    session.flush()
    transitions.note_written(session, order, note, note_body(note), actor=actor, now=now,
                             profile=profile)
    return note


def notes_of(session: Session, order: Lsr) -> list[OrderNote]:
    """The order's notes, oldest first."""
    return list(session.scalars(sa.select(OrderNote).where(OrderNote.lsr_id == order.id)
                                .order_by(OrderNote.at, OrderNote.id)))


def authors(session: Session, notes: list[OrderNote]) -> dict[int, str]:
    """Note id -> its writer as the note threads list people (§1.3.2): 'Full Name (username)
    · phone' of the user (one query for the thread); the stored name for a note by no user."""
    names = people.labels(session, [n.user_id for n in notes])
    return {n.id: names.get(n.user_id or 0, n.author_name) for n in notes}


def note_with_attachment(session: Session, order: Lsr, note_id: int) -> OrderNote | None:
    """A note of this order that carries an attachment (None otherwise)."""
    note = session.get(OrderNote, note_id)
    if note is None or note.lsr_id != order.id or note.attachment_type is None:
        return None
    return note


def attachment_path(note: OrderNote) -> str:
    """Where the API serves the note's attachment (to those who may read the order)."""
    return f"/api/v1/lsrs/{note.lsr_id}/notes/{note.id}/attachment"


def note_body(note: OrderNote) -> dict[str, Any]:
    """The note as api-contract §4.2.2 shows it; `author.name` is the writer's full name as
    it was when the note was written (the username when none was given; 'cli' for the
    CLI)."""
    attachment = None
    if note.attachment_filename:
        attachment = {"filename": note.attachment_filename, "url": attachment_path(note),
                      "content_type": note.attachment_type, "size": note.attachment_size}
    return {"id": note.id, "author": {"kind": note.author_kind, "name": note.author_name},
            "text": note.text, "request_info": note.request_info, "attachment": attachment,
            "at": iso(note.at)}
