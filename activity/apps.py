from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    """Receives the account signals and writes the audit logs."""

    name = "activity"
    verbose_name = _("Activity")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Connect one receiver per signal (see activity/receivers.py), plus the profile hook.

        Django's own ``user_logged_in`` is deliberately not connected (``force_login`` and the
        bare ``login()`` send it); ``_add_email`` neither: a private veto hook sent before the
        address exists, which ``email_added`` logs once it does; nor ``pre_social_login``, a
        hook sent before the social login's outcome is known.
        """
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_migrate, post_save

        from accounts import signals
        from activity import (
            checks,  # noqa: F401  (registers the system checks)
            dbsetup,
        )
        from activity import receivers as r

        signals.user_logged_in.connect(
            r.on_user_logged_in, dispatch_uid="activity.on_user_logged_in"
        )
        signals.user_logged_out.connect(
            r.on_user_logged_out, dispatch_uid="activity.on_user_logged_out"
        )
        signals.user_login_failed.connect(
            r.on_user_login_failed, dispatch_uid="activity.on_user_login_failed"
        )
        signals.user_signed_up.connect(
            r.on_user_signed_up, dispatch_uid="activity.on_user_signed_up"
        )
        signals.password_set.connect(r.on_password_set, dispatch_uid="activity.on_password_set")
        signals.password_changed.connect(
            r.on_password_changed, dispatch_uid="activity.on_password_changed"
        )
        signals.password_reset.connect(
            r.on_password_reset, dispatch_uid="activity.on_password_reset"
        )
        signals.email_confirmed.connect(
            r.on_email_confirmed, dispatch_uid="activity.on_email_confirmed"
        )
        signals.email_confirmation_sent.connect(
            r.on_email_confirmation_sent, dispatch_uid="activity.on_email_confirmation_sent"
        )
        signals.email_added.connect(r.on_email_added, dispatch_uid="activity.on_email_added")
        signals.email_removed.connect(r.on_email_removed, dispatch_uid="activity.on_email_removed")
        signals.email_changed.connect(r.on_email_changed, dispatch_uid="activity.on_email_changed")
        signals.authentication_step_completed.connect(
            r.on_authentication_step_completed,
            dispatch_uid="activity.on_authentication_step_completed",
        )
        signals.authenticator_added.connect(
            r.on_authenticator_added, dispatch_uid="activity.on_authenticator_added"
        )
        signals.authenticator_removed.connect(
            r.on_authenticator_removed, dispatch_uid="activity.on_authenticator_removed"
        )
        signals.authenticator_reset.connect(
            r.on_authenticator_reset, dispatch_uid="activity.on_authenticator_reset"
        )
        signals.authenticator_used.connect(
            r.on_authenticator_used, dispatch_uid="activity.on_authenticator_used"
        )
        signals.authentication_failed.connect(
            r.on_authentication_failed, dispatch_uid="activity.on_authentication_failed"
        )
        signals.sessions_ended.connect(
            r.on_sessions_ended, dispatch_uid="activity.on_sessions_ended"
        )
        signals.new_device_login.connect(
            r.on_new_device_login, dispatch_uid="activity.on_new_device_login"
        )
        signals.rate_limited.connect(r.on_rate_limited, dispatch_uid="activity.on_rate_limited")
        signals.suspicious_activity.connect(
            r.on_suspicious_activity, dispatch_uid="activity.on_suspicious_activity"
        )
        signals.login_locked.connect(r.on_login_locked, dispatch_uid="activity.on_login_locked")
        signals.login_unlocked.connect(
            r.on_login_unlocked, dispatch_uid="activity.on_login_unlocked"
        )
        signals.social_account_added.connect(
            r.on_social_account_added, dispatch_uid="activity.on_social_account_added"
        )
        signals.social_account_updated.connect(
            r.on_social_account_updated, dispatch_uid="activity.on_social_account_updated"
        )
        signals.social_account_removed.connect(
            r.on_social_account_removed, dispatch_uid="activity.on_social_account_removed"
        )
        signals.verification_code_sent.connect(
            r.on_verification_code_sent, dispatch_uid="activity.on_verification_code_sent"
        )
        signals.verification_code_accepted.connect(
            r.on_verification_code_accepted, dispatch_uid="activity.on_verification_code_accepted"
        )
        signals.login_code_rejected.connect(
            r.on_login_code_rejected, dispatch_uid="activity.on_login_code_rejected"
        )
        signals.email_verification_code_rejected.connect(
            r.on_email_verification_code_rejected,
            dispatch_uid="activity.on_email_verification_code_rejected",
        )
        signals.password_reset_code_rejected.connect(
            r.on_password_reset_code_rejected,
            dispatch_uid="activity.on_password_reset_code_rejected",
        )
        signals.browser_trusted.connect(
            r.on_browser_trusted, dispatch_uid="activity.on_browser_trusted"
        )
        signals.trusted_browsers_revoked.connect(
            r.on_trusted_browsers_revoked, dispatch_uid="activity.on_trusted_browsers_revoked"
        )
        signals.invitation_created.connect(
            r.on_invitation_created, dispatch_uid="activity.on_invitation_created"
        )
        signals.invitation_accepted.connect(
            r.on_invitation_accepted, dispatch_uid="activity.on_invitation_accepted"
        )
        signals.mfa_setup_required.connect(
            r.on_mfa_setup_required, dispatch_uid="activity.on_mfa_setup_required"
        )
        signals.account_deletion_requested.connect(
            r.on_account_deletion_requested, dispatch_uid="activity.on_account_deletion_requested"
        )
        signals.account_deletion_cancelled.connect(
            r.on_account_deletion_cancelled, dispatch_uid="activity.on_account_deletion_cancelled"
        )
        signals.account_deleted.connect(
            r.on_account_deleted, dispatch_uid="activity.on_account_deleted"
        )
        signals.account_data_requested.connect(
            r.on_account_data_requested, dispatch_uid="activity.on_account_data_requested"
        )
        signals.account_data_exported.connect(
            r.on_account_data_exported, dispatch_uid="activity.on_account_data_exported"
        )
        signals.lockout_lifted.connect(
            r.on_lockout_lifted, dispatch_uid="activity.on_lockout_lifted"
        )
        post_save.connect(
            r.on_user_post_save, sender=get_user_model(), dispatch_uid="activity.on_user_post_save"
        )
        post_migrate.connect(
            dbsetup.on_post_migrate, sender=self, dispatch_uid="activity.search_indexes"
        )
