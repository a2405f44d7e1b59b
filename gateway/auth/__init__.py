"""Portal authentication: Flask-Login user loading and role guards."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import Flask, abort
from flask_login import current_user

from gateway import db
from gateway.models import User


def init_login(app: Flask) -> None:
    """Install the user loader: the session id is 'user_id:session_version'."""
    from gateway.extensions import login_manager

    @login_manager.user_loader
    def _load(session_id: str) -> User | None:
        user_id, _, version = session_id.partition(":")
        if not (user_id.isascii() and user_id.isdigit() and version.isascii()
                and version.isdigit()):
            return None
        user = db.session().scalar(sa.select(User).where(User.id == int(user_id)))
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user


ROLE_AUDIENCE = {"partner_admin": "your company's administrators",
                 "partner_user": "partner users", "staff": "the carrier's LNP desk",
                 "staff_admin": "the LNP desk's administrators"}


def for_roles(roles) -> str:
    """A 403 message saying who the page is for and who is signed in."""
    audience = " and ".join(dict.fromkeys(ROLE_AUDIENCE.get(r, r) for r in roles))
    return (f"This page is for {audience}. You are signed in as {current_user.username}; "
            "ask your administrator if you need it, or sign in with another login.")


def role_required(*roles: str) -> Callable:
    """Allow a view only to logged-in users with one of the roles (else 403; anonymous -> login)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            from gateway.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403, description=for_roles(roles))
            return view(*args, **kwargs)

        return wrapped

    return decorator
