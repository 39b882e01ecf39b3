from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Mail recorded in the flow's transaction, sent after the commit, retried by a worker."""

    name = "accounts.outbox"
    label = "outbox"
    verbose_name = "Mail outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.outbox import checks  # noqa: F401  (registers the system checks)
