"""Middleware: security headers on every response, and upkeep of session records."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

from accounts.models import UserSession
from accounts.user_sessions import SESSION_SEEN_KEY, SESSION_STARTED_KEY

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no inline scripts) and ``no-store`` on account pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.path.startswith(("/accounts/", "/admin/")):
            response["Cache-Control"] = "no-store"
        return response


class UserSessionMiddleware:
    """Enforce idle and absolute session lifetimes; update "last seen" at most every N seconds."""

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
        started = session.setdefault(SESSION_STARTED_KEY, now)
        seen = session.get(SESSION_SEEN_KEY, now)
        if (
            now - started > settings.ACCOUNT_SESSION_ABSOLUTE_LIFETIME
            or now - seen > settings.ACCOUNT_SESSION_IDLE_TIMEOUT
        ):
            UserSession.objects.filter(session_key=session.session_key).delete()
            logout(request)
            return
        if (
            now - seen >= settings.ACCOUNT_SESSION_LAST_SEEN_INTERVAL
            or SESSION_SEEN_KEY not in session
        ):
            session[SESSION_SEEN_KEY] = now
            UserSession.objects.filter(session_key=session.session_key).update(
                last_seen_at=timezone.now()
            )
