"""Middleware: security headers on every response, and upkeep of session records."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

from accounts.models import UserSession
from accounts.user_sessions import SESSION_SEEN_KEY, SESSION_STARTED_KEY

# No inline script or style anywhere (JS lives in static/js/*.js), no plugins, no <base>, no
# framing, forms post only here. Override with ``ACCOUNT_CONTENT_SECURITY_POLICY``.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Pages that show or change account data must never be stored by a browser or proxy.
NO_STORE_PREFIXES = ("/accounts/", "/admin/")


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy and ``X-Frame-Options`` on every response, and
    ``Cache-Control: no-store`` on account pages and on anything a signed-in user sees.

    Sits before WhiteNoise so that static files carry the headers too; Django's
    ``SecurityMiddleware`` (first in the list) adds HSTS, nosniff, Referrer-Policy and COOP.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "ACCOUNT_CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        response.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY"))
        if self._is_private(request) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _is_private(request):
        if request.path.startswith(NO_STORE_PREFIXES):
            return True
        user = getattr(request, "user", None)  # absent for static files (WhiteNoise)
        return user is not None and user.is_authenticated


class UserSessionMiddleware:
    """End sessions idle or old beyond the settings, on the server; keep "last seen" fresh.

    ``ACCOUNT_SESSION_IDLE_TIMEOUT`` counts from the last request (as recorded: the session
    notes it at most every ``ACCOUNT_SESSION_LAST_SEEN_INTERVAL``, capped at a quarter of the
    idle timeout, so the session ends up to that much early, never late).
    ``ACCOUNT_SESSION_ABSOLUTE_LIFETIME`` counts from the login: activity does not extend it
    and reauthentication does not reset it. An ended session is flushed from the store, so
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
        idle_timeout = settings.ACCOUNT_SESSION_IDLE_TIMEOUT
        started = session.setdefault(SESSION_STARTED_KEY, now)
        seen = session.get(SESSION_SEEN_KEY, now)
        if now - started > settings.ACCOUNT_SESSION_ABSOLUTE_LIFETIME or now - seen > idle_timeout:
            UserSession.objects.filter(session_key=session.session_key).delete()
            logout(request)
            return
        interval = min(settings.ACCOUNT_SESSION_LAST_SEEN_INTERVAL, idle_timeout / 4)
        if now - seen >= interval or SESSION_SEEN_KEY not in session:
            session[SESSION_SEEN_KEY] = now
            UserSession.objects.filter(session_key=session.session_key).update(
                last_seen_at=timezone.now()
            )
