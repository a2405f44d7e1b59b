"""A short per-process cache of API token look-ups (issue 17): a hit costs no database round
trip. Entries live `ttl` seconds of wall-clock time (monotonic, not the frozen clock), so a
disabled user, a suspended partner or a revoked token stops working within that time in every
process; this process also drops its entries at once when it makes such a change.

An entry is a detached snapshot of the user with its partner (and SPIDs) and named role; a hit
makes a copy of it the request session's own, without loading (`db.attached_copy`, what
`Session.merge(load=False)` gives)."""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.db import as_loaded, attached_copy
from gateway.models import Partner, PartnerSpid, Role, User
from gateway.platform.security import token_hash
from gateway.services.identity.users import TOKEN_USE_RESOLUTION, user_for_token

T = TypeVar("T")
DEFAULT_TTL = 1.0  # seconds: how long a disable or revoke may take to reach another process


@dataclass(frozen=True)
class _Entry:
    user: User  # detached snapshot
    expires_at: datetime | None
    last_used_at: datetime | None
    cached_at: float


def _detached(model: type[T], obj: T) -> T:
    """A detached copy of the row's column values (`db.as_loaded`)."""
    return as_loaded(model, {c.key: getattr(obj, c.key)
                             for c in sa.inspect(model).column_attrs})


def snapshot(user: User) -> User:
    """A detached copy of the user, its partner with its SPIDs, and its named role."""
    copy: User = _detached(User, user)
    set_committed_value(copy, "partner", partner_snapshot(user.partner)
                        if user.partner is not None else None)
    set_committed_value(copy, "named_role", _detached(Role, user.named_role)
                        if user.named_role is not None else None)
    return copy


def partner_snapshot(partner: Partner) -> Partner:
    """A detached copy of the partner with its SPIDs, for `db.attached_copy`."""
    copy: Partner = _detached(Partner, partner)
    spids = [_detached(PartnerSpid, row) for row in partner.spid_rows]
    set_committed_value(copy, "spid_rows", spids)  # loaded, without history
    return copy


class TokenCache:
    """Token digest -> user snapshot, for `ttl` seconds."""

    def __init__(self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = 10_000) -> None:
        self.ttl, self.clock, self.max_entries = ttl, clock, max_entries
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def user_for_token(self, session: Session, token: str, *, now: datetime) -> User:
        """The token's active user: from the cache on a fresh hit, else from the database
        (`users.user_for_token`, which raises 401 and keeps `last_used_at`)."""
        digest = token_hash(token)
        entry = self._entries.get(digest) if self.ttl > 0 else None
        if entry is not None and self._fresh(entry, now):
            self.hits += 1
            return attached_copy(session, entry.user)
        self.misses += 1
        user = user_for_token(session, token, now=now)
        if self.ttl > 0:
            self._keep(digest, session, user, now)
        return user

    def _fresh(self, entry: _Entry, now: datetime) -> bool:
        """Young enough, the token not expired by the (frozen) clock, its use recorded lately
        (else the database path brings `last_used_at` up to date)."""
        if self.clock() - entry.cached_at >= self.ttl:
            return False
        if entry.expires_at is not None and entry.expires_at <= now:
            return False
        last = entry.last_used_at
        return last is not None and now - TOKEN_USE_RESOLUTION < last <= now

    def _keep(self, digest: str, session: Session, user: User, now: datetime) -> None:
        from gateway.models import ApiToken

        token = next((o for o in session.identity_map.values()
                      if isinstance(o, ApiToken) and o.token_hash == digest), None)
        if token is None:
            token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest))
        entry = _Entry(snapshot(user), token.expires_at if token else None,
                       token.last_used_at if token else None, self.clock())
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[digest] = entry


# --- in-process invalidation: a change to who may call the API empties every cache at commit --

_CACHES: weakref.WeakSet[TokenCache] = weakref.WeakSet()
_WATCHED = (User, Partner, PartnerSpid, Role)
_FLAG = "portgate_token_cache_stale"


def register(cache: TokenCache) -> TokenCache:
    _CACHES.add(cache)
    return cache


def _touches_identity(session: Session) -> bool:
    from gateway.models import AgentApproval, ApiToken

    watched = (*_WATCHED, ApiToken, AgentApproval)
    if any(isinstance(obj, watched) for obj in (*session.new, *session.deleted)):
        return True
    return any(_changed(obj) for obj in session.dirty if isinstance(obj, watched))


_BOOKKEEPING = frozenset({"last_used_at", "failed_logins", "locked_until"})  # not who may call


def _changed(obj: object) -> bool:
    state = sa.inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs
               if attr.key not in _BOOKKEEPING)


@event.listens_for(Session, "before_flush")
def _note_identity_changes(session: Session, _context: object, _instances: object) -> None:
    if _touches_identity(session):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state: ORMExecuteState) -> None:
    from gateway.models import AgentApproval, ApiToken

    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in (*_WATCHED, ApiToken, AgentApproval):
        state.session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _clear_on_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        for cache in list(_CACHES):
            cache.clear()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
