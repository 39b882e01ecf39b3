"""Security headers on every response; each request's language and time zone."""

from django.conf import settings
from django.utils import timezone, translation

from accounts import app_settings
from accounts.flows.preferences import remember_detected_timezone
from accounts.i18n import supported_language, valid_timezone

# Pages that show or change account data must never be stored by a browser or proxy.
NO_STORE_PREFIXES = ("/accounts/", "/admin/")

# Django's technical 404 and 500 pages (DEBUG only) style and script themselves inline; this
# line is in both templates' <head> and in none of the site's.
DEBUG_PAGE_MARKER = b'<meta name="robots" content="NONE,NOARCHIVE">'
# Their policy: still nothing from elsewhere, but the page's own inline style and script run.
DEBUG_PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy and ``X-Frame-Options`` on every response, and
    ``Cache-Control: no-store`` on account pages and on anything a signed-in user sees.

    Sits before WhiteNoise so that static files carry the headers too; Django's
    ``SecurityMiddleware`` (first in the list) adds HSTS, nosniff, Referrer-Policy and COOP.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._is_debug_page(response):
            response.setdefault("Content-Security-Policy", DEBUG_PAGE_CSP)
        response.setdefault("Content-Security-Policy", app_settings.CONTENT_SECURITY_POLICY)
        response.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY"))
        if self._is_private(request) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _is_debug_page(response):
        """Django's own error page with the traceback or the URL list, which the strict policy
        would leave unstyled and its toggles dead. Only under ``DEBUG``: in production these
        pages never exist and every response keeps the strict policy."""
        return (
            settings.DEBUG
            and response.status_code in (404, 500)
            and not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith("text/html")
            and DEBUG_PAGE_MARKER in response.content[:2048]
        )

    @staticmethod
    def _is_private(request):
        if request.path.startswith(NO_STORE_PREFIXES):
            return True
        user = getattr(request, "user", None)  # absent for static files (WhiteNoise)
        return user is not None and user.is_authenticated


class UserPreferencesMiddleware:
    """A signed-in user's remembered language, and everyone's time zone, for this request.

    After ``LocaleMiddleware`` (which chose from the language cookie and ``Accept-Language``)
    and ``AuthenticationMiddleware``: a user's saved language wins, as it is their own choice
    made on another device too. The zone is the user's saved one, else the one the browser
    reported in the ``tz`` cookie (static/js/preferences.js); the first reported zone of a user
    who has none is remembered for their mail (one UPDATE, once).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            language = supported_language(user.language)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        detected = valid_timezone(request.COOKIES.get("tz"))
        zone = (valid_timezone(user.timezone) if signed_in else None) or detected
        if signed_in and detected and not user.timezone:
            remember_detected_timezone(request, zone=detected)
        if zone:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            # Both are thread-local: the next request on this thread starts afresh.
            timezone.deactivate()
