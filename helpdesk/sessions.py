"""Two sessions in one app: staff pages and the debtors' portal never share a cookie.

Under ``/portal`` the session lives in its own cookie (``PORTAL_SESSION_COOKIE_NAME``,
path ``/portal``, so the browser never sends it to staff pages) and ends after
``PORTAL_IDLE_MINUTES`` without a request; everywhere else the staff cookie
(``SESSION_COOKIE_NAME``) is used as before. A portal cookie presented to a staff page is
simply not read, and a staff cookie is not read by the portal.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from helpdesk import clock

PORTAL_PREFIX = "/portal"
SEEN_KEY = "_seen"  # when the portal session last saw a request (epoch seconds)


def is_portal_path(path: str) -> bool:
    return path == PORTAL_PREFIX or path.startswith(PORTAL_PREFIX + "/")


def _portal_request() -> bool:
    return is_portal_path(request.path)


class SplitSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the cookie chosen by the request's path."""

    # A different salt too: even a cookie renamed by hand does not open the other side.
    portal_salt = "aclara-portal-session"

    def get_cookie_name(self, app: Flask) -> str:
        if _portal_request():
            return str(app.config["PORTAL_SESSION_COOKIE_NAME"])
        return super().get_cookie_name(app)

    def get_cookie_path(self, app: Flask) -> str:
        if _portal_request():
            return PORTAL_PREFIX
        return super().get_cookie_path(app)

    def get_signing_serializer(self, app: Flask) -> Any:
        serializer = super().get_signing_serializer(app)
        if serializer is not None and _portal_request():
            serializer.salt = self.portal_salt
        return serializer

    def get_expiration_time(self, app: Flask, session: Any) -> Any:
        if _portal_request():
            return None  # a browser-session cookie: closing the browser ends it too
        return super().get_expiration_time(app, session)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        session = super().open_session(app, request)
        if session is None or not _portal_request():
            return session
        seen = session.get(SEEN_KEY)
        idle = timedelta(minutes=int(app.config["PORTAL_IDLE_MINUTES"]))
        now = clock.now().timestamp()
        if isinstance(seen, int | float) and now - seen > idle.total_seconds():
            session = self.session_class()  # idle too long: start over, signed out
        return session

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if _portal_request() and session:
            session[SEEN_KEY] = int(clock.now().timestamp())
        super().save_session(app, session, response)
