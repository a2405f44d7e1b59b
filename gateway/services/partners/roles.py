"""Named roles of a partner (§1.3): sets of privileges; changing one changes all its users."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.models import Role, User
from gateway.models.partners import PRIVILEGES, _csv
from gateway.services import audit
from gateway.services.identity.actors import Actor


def list_roles(session: Session, partner_id: int) -> list[tuple[Role, int]]:
    """The partner's roles with how many active users hold each (one query)."""
    count = sa.func.count(User.id).filter(User.disabled_at.is_(None))
    rows = session.execute(sa.select(Role, count).outerjoin(User, User.role_id == Role.id)
                           .where(Role.partner_id == partner_id).group_by(Role.id)
                           .order_by(Role.name)).all()
    return [(role, n) for role, n in rows]


def get_role(session: Session, partner_id: int, role_id: int) -> Role:
    role = session.scalar(sa.select(Role).where(Role.id == role_id,
                                                Role.partner_id == partner_id))
    if role is None:
        raise NotFound(f"No role {role_id} in your company.", code="unknown_role")
    return role


def _clean(name: str, privileges: list[str]) -> tuple[str, list[str]]:
    name = " ".join((name or "").split())
    if not name or len(name) > 60:
        raise InvalidInput("A role needs a name of at most 60 characters.", code="invalid_role")
    chosen = sorted(set(privileges or []))
    if not chosen or any(p not in PRIVILEGES for p in chosen):
        raise InvalidInput("Choose privileges among csr, lsr and view.", code="invalid_role")
    return name, chosen


def _refuse_duplicate(session: Session, partner_id: int, name: str, role_id: int | None) -> None:
    query = sa.select(Role.id).where(Role.partner_id == partner_id,
                                     sa.func.lower(Role.name) == name.lower())
    if role_id:
        query = query.where(Role.id != role_id)
    if session.scalar(query):
        raise Conflict(f"A role named {name!r} exists already.", code="duplicate_role")


def create_role(session: Session, partner_id: int, *, name: str, privileges: list[str],
                actor: Actor, now: datetime) -> Role:
    """Define a named role."""
    name, chosen = _clean(name, privileges)
    _refuse_duplicate(session, partner_id, name, None)
    role = Role(partner_id=partner_id, name=name, privileges_csv=_csv(chosen))
    session.add(role)
    session.flush()
    audit.record(session, actor, "role.created", "role", role.id, now=now,
                 partner_id=partner_id, after={"name": name, "privileges": chosen})
    return role


def update_role(session: Session, role: Role, *, name: str, privileges: list[str],
                actor: Actor, now: datetime) -> Role:
    """Rename a role or change its privileges; every user holding it changes with it."""
    name, chosen = _clean(name, privileges)
    _refuse_duplicate(session, role.partner_id, name, role.id)
    before = {"name": role.name, "privileges": sorted(role.privileges)}
    role.name, role.privileges_csv = name, _csv(chosen)
    holders = session.scalars(sa.select(User).where(User.role_id == role.id)).all()
    for user in holders:  # keep the stored privileges equal to the role's (read by the API too)
        user.privileges_csv = role.privileges_csv
    audit.record(session, actor, "role.changed", "role", role.id, now=now,
                 partner_id=role.partner_id, before=before,
                 after={"name": name, "privileges": chosen, "users": len(holders)})
    return role


def delete_role(session: Session, role: Role, *, actor: Actor, now: datetime) -> None:
    """Remove a role no user holds (disabled users' roles stay for the record)."""
    held = session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role_id == role.id))
    if held:
        raise Conflict(f"{held} user(s) hold the role {role.name!r}; give them other access "
                       "first.", code="role_in_use")
    audit.record(session, actor, "role.deleted", "role", role.id, now=now,
                 partner_id=role.partner_id,
                 before={"name": role.name, "privileges": sorted(role.privileges)})
    session.delete(role)
    session.flush()
