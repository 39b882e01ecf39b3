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
FRONTEND_URL_KEYS = ("account_confirm_email", "account_reset_password_from_key")


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

    @property
    def TOKEN_STRATEGY(self) -> str:
        """How app clients hold their session: opaque session tokens (default) or, with
        ``accounts.headless.tokens.JWTTokenStrategy``, JWT access and refresh tokens too."""
        return self._dotted_path("TOKEN_STRATEGY", "accounts.headless.tokens.SessionTokenStrategy")

    @property
    def JWT_PRIVATE_KEY(self) -> str:
        """The PEM private key signing JWTs (RS256/ES256), or the shared secret (HS256).
        From the environment, never from the repository."""
        return self._str("JWT_PRIVATE_KEY", "")

    @property
    def JWT_ALGORITHM(self) -> str:
        value = self._str("JWT_ALGORITHM", "RS256")
        if value not in JWT_ALGORITHMS:
            raise self._fail("JWT_ALGORITHM", value, f"one of {JWT_ALGORITHMS}")
        return value

    @property
    def JWT_ACCESS_TOKEN_EXPIRES_IN(self) -> int:
        """Seconds an access token is valid."""
        return self._int("JWT_ACCESS_TOKEN_EXPIRES_IN", 300, minimum=1)

    @property
    def JWT_REFRESH_TOKEN_EXPIRES_IN(self) -> int:
        """Seconds a refresh token is valid."""
        return self._int("JWT_REFRESH_TOKEN_EXPIRES_IN", 86400, minimum=1)

    @property
    def JWT_ROTATE_REFRESH_TOKEN(self) -> bool:
        """Each refresh returns a new refresh token; the old one is then "used": presenting it
        again ends the session (reuse detection)."""
        return self._bool("JWT_ROTATE_REFRESH_TOKEN", True)

    @property
    def JWT_AUTHORIZATION_HEADER_SCHEME(self) -> str:
        return self._str("JWT_AUTHORIZATION_HEADER_SCHEME", "Bearer") or "Bearer"


JWT_ALGORITHMS = ("RS256", "RS512", "ES256", "HS256", "HS512")

_app_settings = AppSettings("HEADLESS_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
