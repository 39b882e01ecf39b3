from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UserSessionsConfig(AppConfig):
    """Records of logged-in sessions: listing and ending them (allauth's ``usersessions``)."""

    name = "accounts.usersessions"
    label = "usersessions"
    verbose_name = _("User sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Deleting or deactivating a user ends their sessions (not only their records)."""
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_delete

        from accounts.usersessions import (
            checks,  # noqa: F401  (registers the system checks)
            receivers,
        )

        user_model = get_user_model()
        pre_delete.connect(
            receivers.end_sessions_of_deleted_user,
            sender=user_model,
            dispatch_uid="usersessions.end_sessions_of_deleted_user",
        )
        post_save.connect(
            receivers.end_sessions_of_inactive_user,
            sender=user_model,
            dispatch_uid="usersessions.end_sessions_of_inactive_user",
        )
