from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HeadlessConfig(AppConfig):
    """The JSON API (allauth's ``headless``) over the account, two-factor and session flows."""

    name = "accounts.headless"
    label = "headless"
    verbose_name = _("Headless API")

    def ready(self):
        from accounts.headless import checks  # noqa: F401  (registers the system checks)
