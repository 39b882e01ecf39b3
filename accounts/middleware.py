"""Security headers on every response."""

from django.conf import settings

from accounts import app_settings

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

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", app_settings.CONTENT_SECURITY_POLICY)
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
