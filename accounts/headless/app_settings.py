"""Every ``HEADLESS_*`` setting of the JSON API: one property, one default, one type.

Names follow django-allauth's ``allauth.headless`` where it has the setting.
"""

from __future__ import annotations

import enum

from accounts.internal.conf import AppSettingsBase


class Client(enum.StrEnum):
    BROWSER = "browser"
    APP = "app"


# The pages of the single-page app that links in mails should open, by allauth's keys.
FRONTEND_URL_KEYS = (
    "account_confirm_email",
    "account_reset_password",
    "account_reset_password_from_key",
    "account_signup",
)


class AppSettings(AppSettingsBase):
    @property
    def CLIENTS(self) -> tuple[str, ...]:
        """The clients served: ``browser`` (session cookie + CSRF), ``app`` (X-Session-Token)."""
        value = self._strings("CLIENTS", ("browser", "app"))
        for item in value:
            if item not in {c.value for c in Client}:
                raise self._fail("CLIENTS", value, "a list of 'browser' and/or 'app'")
        return value

    @property
    def FRONTEND_URLS(self) -> dict[str, str]:
        """Templates of the front end's pages for links in mails (``{key}`` is filled in), by
        allauth's keys; empty: mails link to this site's HTML pages."""
        value = self._dict("FRONTEND_URLS", {})
        for key, url in value.items():
            if key not in FRONTEND_URL_KEYS or not isinstance(url, str):
                raise self._fail(
                    "FRONTEND_URLS", value, f"a dict of URL strings keyed by {FRONTEND_URL_KEYS}"
                )
        return value

    @property
    def CSRF_COOKIE_NAME(self) -> str:
        """A cookie scripts may read, holding a (masked) CSRF token, set on every browser-API
        response: allauth's JavaScript client reads ``csrftoken``. The real CSRF cookie
        (``CSRF_COOKIE_NAME``, HttpOnly) is untouched. Empty: no such cookie."""
        return self._str("CSRF_COOKIE_NAME", "csrftoken")

    @property
    def SERVE_SPECIFICATION(self) -> bool:
        """Serve ``/_allauth/openapi.json``, ``.yaml`` and the docs page ``/_allauth/docs/``."""
        return self._bool("SERVE_SPECIFICATION", True)

    @property
    def SPECIFICATION_SERVER_URL(self) -> str:
        """The server URL written into the served spec (empty: the requesting host)."""
        return self._str("SPECIFICATION_SERVER_URL", "")


_app_settings = AppSettings("HEADLESS_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
