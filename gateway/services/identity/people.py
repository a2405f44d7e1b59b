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
    def name(self) -> str:
        """The full name, or the username when none was given."""
        return self.full_name.strip() or self.username

    @property
    def label(self) -> str:
        """'Full Name (username)', or the username when the name is the username."""
        name = self.full_name.strip()
        return f"{name} ({self.username})" if name and name != self.username else self.username

    @property
    def listed(self) -> str:
        """How a list of actions shows the person (§1.3.2): 'Full Name (username) · phone',
        without the phone when none is set."""
        return f"{self.label} · {self.phone}" if self.phone else self.label

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(user.username, user.full_name or "", user.phone)


def people(session: Session, user_ids: Iterable[int | None]) -> dict[int, Person]:
    """User id -> Person for the ids given (one query; none for an empty set)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(sa.select(User.id, User.username, User.full_name, User.phone)
                           .where(User.id.in_(ids)))
    return {uid: Person(username, full_name or "", phone)
            for uid, username, full_name, phone in rows}


def person(session: Session, user_id: int | None) -> Person | None:
    """One user's Person (no query when the session already holds the user)."""
    user = session.get(User, user_id) if user_id is not None else None
    return Person.of(user) if user is not None else None


def labels(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """User id -> 'Full Name (username) · phone' (`Person.listed`), for pages that list
    people's actions (one query). Ids of no user are left out: callers fall back to the
    stored actor ('cli', 'system')."""
    return {uid: person.listed for uid, person in people(session, user_ids).items()}
