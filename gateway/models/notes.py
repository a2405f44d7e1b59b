"""Notes on an order: the conversation between the partner and the LNP desk (§13.1)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class OrderNote(Base):
    """One note on an order, by the partner or by staff, with at most one attachment."""

    __tablename__ = "order_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lsr_id: Mapped[int] = mapped_column(sa.ForeignKey("lsrs.id"), index=True)
    author_kind: Mapped[str] = mapped_column(sa.String(8))  # partner | staff
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(sa.String(120))
    text: Mapped[str] = mapped_column(sa.String(2000))
    request_info: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    attachment_filename: Mapped[str | None] = mapped_column(sa.String(200))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(40))
    attachment_size: Mapped[int | None]
    attachment_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # the file itself is read only when it is downloaded
    attachment_data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
