"""Every ``SOCIALACCOUNT_*`` setting: one property, one default, one type (allauth's names).

Each property reads ``django.conf.settings`` when used, so ``SOCIALACCOUNT_PROVIDERS`` is read
at request time (``override_settings`` and per-site settings keep working).
"""

from __future__ import annotations

from accounts.internal.conf import AppSettingsBase


class AppSettings(AppSettingsBase):
    @property
    def ADAPTER(self) -> str:
        """Dotted path of the social account adapter class."""
        return self._dotted_path(
            "ADAPTER", "accounts.socialaccount.adapter.DefaultSocialAccountAdapter"
        )

    @property
    def FORMS(self) -> dict[str, str]:
        """Form classes to use instead of the defaults: ``"signup"``, ``"disconnect"``."""
        return self._dict("FORMS", {})

    @property
    def PROVIDERS(self) -> dict:
        """Provider configuration, as in allauth: ``{"openid_connect": {"APPS": [{"provider_id":
        ..., "name": ..., "client_id": ..., "secret": ..., "settings": {"server_url": ...}}]},
        "github": {"APPS": [...]}, "google": {...}, "microsoft": {...}}``."""
        value = self._dict("PROVIDERS", {})
        for provider, config in value.items():
            if not isinstance(config, dict):
                raise self._fail("PROVIDERS", {provider: config}, "a dict of dicts")
            apps = config.get("APPS", [])
            if not isinstance(apps, list | tuple) or not all(isinstance(a, dict) for a in apps):
                raise self._fail("PROVIDERS", {provider: config}, 'a dict whose "APPS" is a list')
            for app in apps:
                if not app.get("client_id"):
                    raise self._fail("PROVIDERS", {provider: "…"}, "apps with a client_id")
                if provider == "openid_connect" and not (
                    app.get("provider_id") and (app.get("settings") or {}).get("server_url")
                ):
                    raise self._fail(
                        "PROVIDERS",
                        {provider: "…"},
                        'openid_connect apps with a "provider_id" and settings["server_url"]',
                    )
        return value

    @property
    def LOGIN_ON_GET(self) -> bool:
        """Start the login on a GET of the provider's login URL. Off: a GET shows a page whose
        POST starts it, so a third-party page cannot start a login (allauth's default)."""
        return self._bool("LOGIN_ON_GET", False)

    @property
    def AUTO_SIGNUP(self) -> bool:
        """Create the account straight away when the provider's data suffices (an address no
        account uses and a free username); otherwise the social signup form asks."""
        return self._bool("AUTO_SIGNUP", True)

    @property
    def EMAIL_AUTHENTICATION(self) -> bool:
        """Log into an existing local account whose *verified* address the provider reports as
        *verified*. Off by default: an identity provider is then trusted with every account."""
        return self._bool("EMAIL_AUTHENTICATION", False)

    @property
    def EMAIL_AUTHENTICATION_AUTO_CONNECT(self) -> bool:
        """With ``EMAIL_AUTHENTICATION``: also connect the social account to that account."""
        return self._bool("EMAIL_AUTHENTICATION_AUTO_CONNECT", False)

    @property
    def STORE_TOKENS(self) -> bool:
        """Keep the provider's access and refresh tokens (encrypted) in ``SocialToken``."""
        return self._bool("STORE_TOKENS", False)

    @property
    def REQUESTS_TIMEOUT(self) -> int:
        """Seconds to wait for the provider (discovery, keys, token, user info)."""
        return self._int("REQUESTS_TIMEOUT", 5, minimum=1, maximum=60)

    @property
    def DISCOVERY_CACHE_SECONDS(self) -> int:
        """How long an OpenID provider's configuration and keys are cached. A key id not in
        the cached keys refetches them at once (key rotation)."""
        return self._int("DISCOVERY_CACHE_SECONDS", 3600, minimum=0)


_app_settings = AppSettings("SOCIALACCOUNT_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
