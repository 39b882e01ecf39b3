"""Links in mails sent during an API request point at the front end's pages.

``HEADLESS_FRONTEND_URLS`` maps allauth's keys to URL templates, e.g.
``{"account_confirm_email": "https://app.example.com/verify-email/{key}",
"account_reset_password_from_key": "https://app.example.com/password/reset/{key}"}``. The
front end posts ``key`` back to ``auth/email/verify`` or ``auth/password/reset``. Mails sent
from the HTML pages keep linking to the HTML pages.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.headless import app_settings


def frontend_url(request: HttpRequest | None, name: str, **values: str) -> str | None:
    """The front end's URL for ``name``, when ``request`` came through the API and a
    template is configured; else ``None`` (the caller links to its own page)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not (match.url_name or "").startswith("headless_"):
        return None
    template = app_settings.FRONTEND_URLS.get(name)
    return template.format(**values) if template else None
