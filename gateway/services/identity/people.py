"""People behind actions (business-rules §1.3.2): a user's full name and phone, shown wherever
the user's actions are listed (user lists, order timelines, audit views and exports)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import User


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    phone: str | None

    @property
    def label(self) -> str:
        """'Full Name (username)', or the username when the name is the username."""
        name = self.full_name.strip()
        return f"{name} ({self.username})" if name and name != self.username else self.username


def people(session: Session, user_ids: Iterable[int | None]) -> dict[int, Person]:
    """User id -> Person for the ids given (one query; none for an empty set)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(sa.select(User.id, User.username, User.full_name, User.phone)
                           .where(User.id.in_(ids)))
    return {uid: Person(username, full_name or "", phone)
            for uid, username, full_name, phone in rows}


def labels(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """User id -> 'Full Name (username)'."""
    return {uid: person.label for uid, person in people(session, user_ids).items()}
