from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialAccountConfig(AppConfig):
    """Sign in with another identity provider: OpenID Connect and GitHub (allauth's
    ``socialaccount`` app)."""

    name = "accounts.socialaccount"
    label = "socialaccount"
    verbose_name = _("Social accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.socialaccount import checks  # noqa: F401  (registers the system checks)
