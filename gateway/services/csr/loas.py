"""Letters of authorization: stored once, served only to their partner and staff."""
from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.errors import Forbidden, InvalidInput
from gateway.models import Loa, Partner
from gateway.services.policy import Access, Scope, loa_access

MAX_LOA_BYTES = 5 * 1024 * 1024
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"),
          (b"\xff\xd8\xff", "image/jpeg"))


def sniff(data: bytes) -> str | None:
    """Return the LOA's content type from its first bytes (PDF, PNG, JPEG), else None."""
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def store_loa(session: Session, partner: Partner, loa: dict, *, now: datetime) -> Loa:
    """Decode and keep an LOA that the validators already accepted."""
    try:
        # as the rules read it (validators.authorization.loa_problem): blanks around stripped
        data = base64.b64decode(str(loa.get("content_base64", "")).strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("loa.content_base64 is not base64.") from None
    kind = sniff(data)
    if kind is None or len(data) > MAX_LOA_BYTES:
        raise InvalidInput("The LOA must be a PDF, PNG or JPEG of at most 5 MB.")
    row = Loa(partner_id=partner.id, filename=str(loa.get("filename") or "loa")[:200],
              content_type=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
              data=data, created_at=now)
    session.add(row)
    session.flush()
    return row


def visible_loa(session: Session, loa_id: int, scope: Scope,
                privileges: Collection[str] | None = None) -> Loa | None:
    """The LOA if the reader may read the order or CSR request it authorized (§1.1.1); None
    when, to the reader, it does not exist (404). A user whose company sees that object but
    whose own role cannot read it (`privileges`; None: staff) is refused 403."""
    loa = session.get(Loa, loa_id)
    access = loa_access(session, scope, loa, privileges)
    if access is Access.FORBID:
        raise Forbidden("This token's user lacks the privilege to read the order or CSR "
                        "request this LOA authorized (view or lsr for an order, view or csr "
                        "for a CSR request).")
    return loa if access is Access.ALLOW else None


def safe_filename(name: str | None, content_type: str) -> str:
    """A download name without path parts or odd characters, with the sniffed type's suffix."""
    suffix = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[content_type]
    stem = "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "_"
                   for c in (name or "loa").rsplit(".", 1)[0])
    return (stem.strip("_") or "loa")[:80] + suffix
