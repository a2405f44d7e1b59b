"""Who is acting: a user of a partner, carrier staff, the CLI or the system clock."""
from __future__ import annotations

from dataclasses import dataclass, field

from gateway.models import User


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    partner_id: int | None = None
    role: str | None = None
    privileges: frozenset[str] = field(default_factory=frozenset)
    ip: str | None = None
    # whether the partner is an agent company (only agents hold approvals, §1.1.2); None when
    # not known, and then its approvals are looked up (`policy.scope_for`)
    agent: bool | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "staff_admin", "cli", "system")

    @classmethod
    def from_user(cls, user: User, ip: str | None = None) -> Actor:
        partner = user.partner  # loaded with the user (a joined relationship)
        return cls(user.id, user.username, user.partner_id, user.role, user.privileges, ip,
                   agent=partner.is_agent if partner is not None else None)


SYSTEM = Actor(None, "system", role="system")
CLI = Actor(None, "cli", role="cli")
