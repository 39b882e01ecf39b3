"""The MFA adapter: where a site changes how second-factor secrets are kept and labelled.

``MFA_ADAPTER`` names a subclass of :class:`DefaultMFAAdapter` (as in django-allauth). The
default encrypts TOTP seeds and recovery-code keys with ``MFA_ENCRYPTION_KEY`` (Fernet; see
``accounts.mfa.crypto``); a site with a KMS overrides ``encrypt``/``decrypt``.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts import app_settings as account_settings
from accounts.internal.conf import import_class
from accounts.mfa import app_settings, crypto


class DefaultMFAAdapter:
    def __init__(self, request: HttpRequest | None = None) -> None:
        self.request = request

    def encrypt(self, text: str) -> str:
        """Encrypt a secret for storage; return ASCII text safe in JSON."""
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        """The secret ``encrypt`` stored; raise ``crypto.DecryptionError`` if impossible."""
        return crypto.decrypt(encrypted_text)

    def is_mfa_required(self, user) -> bool:
        """Whether ``user`` must have a second factor (``MFA_REQUIRED``: "staff" means
        ``is_staff`` or ``is_superuser``, "all" everybody). Override for per-user rules."""
        required = app_settings.REQUIRED
        if required == app_settings.Required.ALL:
            return True
        if required == app_settings.Required.STAFF:
            return bool(user.is_staff or user.is_superuser)
        return False

    def get_totp_label(self, user) -> str:
        """The account name an authenticator app shows next to the code."""
        return user.get_username()

    def get_totp_issuer(self) -> str:
        """The issuer an authenticator app shows (``MFA_TOTP_ISSUER``, else ``SITE_NAME``)."""
        return app_settings.TOTP_ISSUER or account_settings.SITE_NAME

    def get_webauthn_rp_name(self) -> str:
        """The relying party name browsers show when asking for a key."""
        return app_settings.WEBAUTHN_RP_NAME or account_settings.SITE_NAME


def get_adapter(request: HttpRequest | None = None) -> DefaultMFAAdapter:
    adapter_class = import_class("MFA_ADAPTER", app_settings.ADAPTER, DefaultMFAAdapter)
    return adapter_class(request)
