"""The append-only audit trail: who did what, when, before and after."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(120))  # username, or "system"/"cli"
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str] = mapped_column(sa.String(40))
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    details: Mapped[dict | None] = mapped_column(JSONType)


def _refuse_change(_mapper, _connection, target: AuditEvent) -> None:
    raise ValueError(f"audit event {target.id} is append-only: it cannot be changed or deleted")


sa.event.listen(AuditEvent, "before_update", _refuse_change)
sa.event.listen(AuditEvent, "before_delete", _refuse_change)

from gateway.platform.database_schema import install_audit_guard  # noqa: E402  (DDL hooks)

install_audit_guard(AuditEvent.__table__)
