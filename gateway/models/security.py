"""Login throttle per client address (gateway.platform.ratelimit): failures counted in a window."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class LoginThrottle(Base):
    """Failed logins from one client address in the current window, and its block, if any."""

    __tablename__ = "login_throttles"

    ip: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
