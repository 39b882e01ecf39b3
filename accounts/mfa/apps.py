from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MFAConfig(AppConfig):
    """Second factors: TOTP, recovery codes and WebAuthn keys (allauth's ``mfa`` app)."""

    name = "accounts.mfa"
    label = "mfa"
    verbose_name = _("Two-factor authentication")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.mfa import checks  # noqa: F401  (registers the system checks)
