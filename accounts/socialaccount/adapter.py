"""The social account adapter: where a site changes social login policy (allauth's hooks).

``SOCIALACCOUNT_ADAPTER`` names a subclass of :class:`DefaultSocialAccountAdapter`. Secrets
(app secrets, stored tokens) are encrypted with the MFA adapter's Fernet keys
(``MFA_ENCRYPTION_KEY``, rotation included); a site with a KMS overrides ``encrypt``/``decrypt``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import HttpRequest

from accounts.adapter import get_adapter as get_account_adapter
from accounts.internal.conf import import_class
from accounts.mfa.adapter import get_adapter as get_mfa_adapter
from accounts.socialaccount import app_settings
from accounts.socialaccount.providers import registry
from accounts.socialaccount.providers.base import Provider

if TYPE_CHECKING:
    from accounts.models import User
    from accounts.socialaccount.sociallogin import SocialLogin


class DefaultSocialAccountAdapter:
    def __init__(self, request: HttpRequest | None = None) -> None:
        self.request = request

    # --- Secrets at rest --------------------------------------------------------------------

    def encrypt(self, text: str) -> str:
        return get_mfa_adapter(self.request).encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        """Raise ``accounts.mfa.crypto.DecryptionError`` when impossible."""
        return get_mfa_adapter(self.request).decrypt(encrypted_text)

    # --- Signup -------------------------------------------------------------------------------

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """Whether a social login may create an account (the account adapter decides)."""
        return get_account_adapter(request).is_open_for_signup(request)

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """Create the account without a form (``SOCIALACCOUNT_AUTO_SIGNUP``)?"""
        return app_settings.AUTO_SIGNUP

    def new_user(self, request: HttpRequest, sociallogin: SocialLogin) -> User:
        return get_account_adapter(request).new_user(request)

    def populate_user(
        self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]
    ) -> User:
        """Fill the new user from the provider's data (``data``: username, email, first_name,
        last_name); the signup form's values win over the provider's."""
        return get_account_adapter(request).populate_user(request, sociallogin.user, data)

    def suggest_username(self, request: HttpRequest, sociallogin: SocialLogin) -> str:
        """A free, valid username from the provider's data, or ``""`` (then the form asks)."""
        adapter = get_account_adapter(request)
        for candidate in sociallogin.username_candidates():
            text = unicodedata.normalize("NFKC", candidate)
            text = re.sub(r"[^\w.@+-]", "", text)[:150]
            if not text:
                continue
            try:
                return adapter.clean_username(text)
            except forms.ValidationError:
                continue
        return ""

    # --- Hooks --------------------------------------------------------------------------------

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Called after the provider answered and before the login, signup or connect; may
        raise ``ImmediateHttpResponse`` to stop it (as in allauth)."""

    def validate_disconnect(self, account, accounts) -> None:
        """Raise ``ValidationError`` to refuse removing ``account`` (the flow already refuses
        removing the last way to sign in)."""

    def get_connect_redirect_url(self, request: HttpRequest, socialaccount) -> str:
        from django.urls import reverse

        return reverse("socialaccount_connections")

    def list_apps(self, request: HttpRequest, provider: str | None = None):
        """The configured apps (settings first, then the database), as ``AppSpec``s."""
        return registry.merge_apps(
            registry.apps_from_settings(provider),
            registry.apps_from_database(provider, decrypt=self.decrypt),
        )


def get_adapter(request: HttpRequest | None = None) -> DefaultSocialAccountAdapter:
    adapter_class = import_class(
        "SOCIALACCOUNT_ADAPTER", app_settings.ADAPTER, DefaultSocialAccountAdapter
    )
    return adapter_class(request)


def get_provider(
    request: HttpRequest | None, provider_id: str, *, kind: str | None = None
) -> Provider | None:
    """The provider behind ``provider_id`` (of type ``kind`` if given), or ``None``."""
    for app in get_adapter(request).list_apps(request, provider=kind):
        if app.provider_id == provider_id:
            return registry.make_provider(app)
    return None


def list_providers(request: HttpRequest | None) -> list[Provider]:
    """A provider per configured app, for the login page's buttons and the connections page."""
    return [registry.make_provider(app) for app in get_adapter(request).list_apps(request)]
