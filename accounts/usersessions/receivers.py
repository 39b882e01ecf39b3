"""Receivers of the user model's signals: a user deleted or deactivated is signed out."""

from accounts.usersessions.store import end_sessions


def end_sessions_of_deleted_user(sender, instance, **kwargs):
    """``pre_delete`` receiver for the user model: a deleted user's sessions end with it."""
    end_sessions(instance)


def end_sessions_of_inactive_user(sender, instance, **kwargs):
    """``post_save`` receiver: a deactivated user is signed out everywhere, server-side.

    (The auth backend already refuses inactive users; this also removes their sessions.)
    """
    if not instance.is_active and not kwargs.get("raw"):
        end_sessions(instance)
