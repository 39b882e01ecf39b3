from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        """Deleting or deactivating a user ends their sessions (not only their records)."""
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_delete

        from accounts.flows.sessions import (
            end_sessions_of_deleted_user,
            end_sessions_of_inactive_user,
        )

        user_model = get_user_model()
        pre_delete.connect(
            end_sessions_of_deleted_user,
            sender=user_model,
            dispatch_uid="accounts.end_sessions_of_deleted_user",
        )
        post_save.connect(
            end_sessions_of_inactive_user,
            sender=user_model,
            dispatch_uid="accounts.end_sessions_of_inactive_user",
        )
