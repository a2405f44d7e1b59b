"""Signed-in sessions (business-rules §1.3.1): two steps, wall-clock limits, forced changes.

A session starts only when every step is done (password, then the second factor for the
profile's `mfa_roles`). Between the steps the cookie holds a short-lived pending sign-in, which
is no login at all. Every page request checks, on the server, the wall-clock time of the sign-in
and of the last request (30 idle minutes, 12 hours at most) and that a user who needs a second
factor gave one; a user with a temporary password sees nothing but the page to change it.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Request, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import current_user, login_user, logout_user

from gateway import clock, db
from gateway.models import User
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.identity import mfa

PENDING, AUTH_AT, SEEN_AT, SECOND = "pg_pending", "pg_auth_at", "pg_seen_at", "pg_2f"
PENDING_SECONDS = 10 * 60
# token-authenticated or public blueprints: no browser session to check
EXEMPT_BLUEPRINTS = {"api", "npac", "health"}
# what a user with a temporary password may still do
PASSWORD_CHANGE_ENDPOINTS = {"auth.new_password", "auth.logout", "static"}
PUBLIC_ENDPOINTS = {"auth.login", "auth.index", "auth.second_factor", "auth.enrol"}


def mfa_roles() -> Iterable[str]:
    """The roles that need a second factor: the carrier profile's `mfa_roles`.

    Tests that are not about sign-in may replace them with MFA_REQUIRED_ROLES, honoured only
    when TESTING is on (a production configuration cannot switch the second factor off).
    """
    override = current_app.config.get("MFA_REQUIRED_ROLES")
    if current_app.config.get("TESTING") and override is not None:
        return override
    return carrier_profile().mfa_roles


def _wall() -> float:
    return clock.wall_now().timestamp()


def begin_pending(user: User, *, next_url: str | None, remember: bool) -> None:
    """Remember a sign-in whose password step passed; the second step follows."""
    session.pop("pg_enrol_secret", None)
    session[PENDING] = {"u": user.id, "v": user.session_version, "at": _wall(),
                        "n": next_url, "r": bool(remember)}


def pending() -> dict | None:
    data = session.get(PENDING)
    if not isinstance(data, dict) or _wall() - float(data.get("at", 0)) > PENDING_SECONDS:
        return None
    return data


def pending_user() -> User | None:
    """The user half-way through signing in, while the pending step is fresh and valid."""
    data = pending()
    if data is None:
        return None
    user = db.session().get(User, data.get("u"))
    if user is None or user.session_version != data.get("v") or not user.active:
        return None
    return user


def clear_pending() -> None:
    session.pop(PENDING, None)
    session.pop("pg_enrol_secret", None)


def start(user: User, *, remember: bool, second_factor: str | None) -> None:
    """Open the session: both steps passed. `remember` keeps the cookie across browser
    restarts, within the same limits."""
    clear_pending()
    login_user(user, remember=False)  # no long-lived remember-me cookie (§1.3.1)
    session.permanent = bool(remember)
    now = _wall()
    session[AUTH_AT], session[SEEN_AT], session[SECOND] = now, now, bool(second_factor)


def _ended_why(user: User) -> str | None:
    auth_at, seen = session.get(AUTH_AT), session.get(SEEN_AT)
    if not isinstance(auth_at, (int, float)) or not isinstance(seen, (int, float)):
        return "Please sign in again."
    now, config = _wall(), current_app.config
    if now - seen > int(config["SESSION_IDLE_SECONDS"]):
        return (f"You were signed out after {int(config['SESSION_IDLE_SECONDS']) // 60} "
                "minutes without activity.")
    if now - auth_at > int(config["SESSION_MAX_SECONDS"]):
        return (f"You were signed out: a session lasts at most "
                f"{int(config['SESSION_MAX_SECONDS']) // 3600} hours.")
    if mfa.required(user, mfa_roles()) and not session.get(SECOND):
        return "Your account now needs two-step sign-in: please sign in again."
    return None


BACKGROUND_HEADER = "X-Portgate-Background"  # sent by the portal's own scripts' fetches


def is_background() -> bool:
    """A request a page's script makes while the page stays (the TN lines' check, a batch's
    progress), not a page the user asked for: `Sec-Fetch-Mode` other than "navigate" (every
    current browser sends it), or the portal scripts' own header (older browsers)."""
    mode = request.headers.get("Sec-Fetch-Mode")
    return bool(request.headers.get(BACKGROUND_HEADER)) or (mode is not None
                                                             and mode != "navigate")


class PageSessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, never written by a background request.

    The session lives in the cookie, so every answer that sets it replaces the browser's whole
    session with the one its request carried. A script's fetch that left before a form was
    sent and answers after the form's page would put back the session from before the form:
    the page's flash message ("FOC issued ...") was lost that way (a browser test caught it),
    and so could a sign-out. Background requests therefore never set the cookie, and do not
    count as activity for the idle limit (`check_session`): an unattended page that polls must
    not keep its session alive."""

    def open_session(self, app: Flask, incoming: Request) -> SecureCookieSession | None:
        """A request without the cookie (every API call) gets an empty session without the
        signing serializer Flask builds per request to read one (issue 17)."""
        if app.secret_key and not incoming.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, incoming)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        return not is_background() and super().should_set_cookie(app, session)


def check_session():
    """Before every page: end a session past its limits; hold temporary passwords."""
    if request.endpoint in (None, "static") or request.blueprint in EXEMPT_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        return None
    why = _ended_why(current_user)
    if why is not None:
        logout_user()
        session.clear()
        flash(why, "info")
        if request.endpoint in PUBLIC_ENDPOINTS or request.blueprint == "welcome":
            return None  # the page carries on for an anonymous visitor
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=back))
    if not is_background():
        session[SEEN_AT] = _wall()
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("auth.new_password"))
    return None


def register_session_guard(app: Flask) -> None:
    app.session_interface = PageSessionInterface()
    app.before_request(check_session)
