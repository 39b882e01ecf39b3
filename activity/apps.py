from django.apps import AppConfig


class ActivityConfig(AppConfig):
    """Receives the account signals and writes the audit logs."""

    name = "activity"
    verbose_name = "Activity"

    def ready(self):
        """Connect one receiver per signal (see activity/receivers.py)."""
