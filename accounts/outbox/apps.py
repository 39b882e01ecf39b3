from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Mail recorded in the flow's transaction, sent after the commit, retried by a worker."""

    name = "accounts.outbox"
    label = "outbox"
    verbose_name = _("Mail outbox")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.outbox import checks  # noqa: F401  (registers the system checks)
