"""Upkeep of logged-in sessions on every request: timeouts, and "last seen"."""

import time

from django.contrib.auth import logout
from django.utils import timezone

from accounts import app_settings
from accounts.authentication import set_logout_reason
from accounts.usersessions.models import UserSession
from accounts.usersessions.store import SESSION_SEEN_KEY, SESSION_STARTED_KEY, absolute_lifetime


class UserSessionMiddleware:
    """End sessions idle or old beyond the settings, on the server; keep "last seen" fresh.

    ``ACCOUNT_SESSION_IDLE_TIMEOUT`` counts from the last request (as recorded: the session
    notes it at most every ``ACCOUNT_SESSION_LAST_SEEN_INTERVAL``, capped at a quarter of the
    idle timeout, so the session ends up to that much early, never late).
    ``ACCOUNT_SESSION_ABSOLUTE_LIFETIME`` counts from the login: activity does not extend it
    and reauthentication does not reset it; a login without "Remember me" gets at most
    ``ACCOUNT_SESSION_NOT_REMEMBERED_LIFETIME`` (24 hours). An ended session is flushed from the store, so
    replaying its cookie gets nowhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request):
        now = time.time()
        session = request.session
        idle_timeout = app_settings.SESSION_IDLE_TIMEOUT
        absolute = absolute_lifetime(session)
        started = session.setdefault(SESSION_STARTED_KEY, now)
        seen = session.get(SESSION_SEEN_KEY, now)
        if (absolute and now - started > absolute) or now - seen > idle_timeout:
            UserSession.objects.filter(session_key=session.session_key).delete()
            set_logout_reason(request, "session_expired")
            logout(request)
            return
        interval = min(app_settings.SESSION_LAST_SEEN_INTERVAL, idle_timeout / 4)
        if now - seen >= interval or SESSION_SEEN_KEY not in session:
            session[SESSION_SEEN_KEY] = now
            UserSession.objects.filter(session_key=session.session_key).update(
                last_seen_at=timezone.now()
            )
