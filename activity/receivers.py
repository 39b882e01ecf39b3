"""One short receiver per account signal; each calls the services that write the rows.

Connected in ``ActivityConfig.ready()``. Receivers run inside the sending flow's transaction:
if one raises, the flow fails and rolls back with it (see accounts/signals.py).

Decisions:
- LoginLog comes from accounts' own ``user_logged_in`` (sent once every login step is done),
  never from Django's, which ``force_login`` and a bare ``django.contrib.auth.login`` send too.
- A failed login stores what was typed as the identifier (truncated, never the password; the
  credentials dict is never stored) and attaches the account it names, if any.
- Second-factor *uses and failures* go to MFALog (``authenticator_used``,
  ``authentication_failed``); adding/removing factors goes to SecurityLog. The per-step signal
  ``authentication_step_completed`` only writes for reauthentication: the login itself is
  logged by ``user_logged_in`` with the method that completed it.
- ``_add_email`` is a private veto hook sent before an address exists; ``email_added`` logs it.
- Social accounts: connect, refresh (each social login) and disconnect go to SecurityLog with
  the provider and uid (never tokens or the provider's data); ``pre_social_login`` is a hook
  sent before the outcome is known and is not logged (the login or signup it leads to is).
"""

from accounts.users import find_user_by_login
from activity import services
from activity.models import LoginLog, MFALog, SecurityLog


def on_user_post_save(sender, instance, created, raw=False, **kwargs):
    """Every user gets a profile, however it was created (signup, createsuperuser, admin)."""
    if created and not raw:
        services.profile_ensure(user=instance, new_user=True)


def on_user_logged_in(sender, request, user, sociallogin=None, **kwargs):
    services.login_log_create(
        request=request,
        event=LoginLog.Event.LOGIN,
        user=user,
        method=services.login_method_from_session(request),
        extra={"provider": sociallogin.account.provider} if sociallogin is not None else None,
    )
    services.profile_record_login(user=user, request=request)


def on_user_logged_out(sender, request, user, **kwargs):
    if user is not None:
        services.login_log_create(
            request=request,
            event=LoginLog.Event.LOGOUT,
            user=user,
            reason=services.logout_reason(request),
        )


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    typed = str(credentials.get("username") or credentials.get("email") or "")
    user = find_user_by_login(typed, request=request)
    services.login_log_create(
        request=request,
        event=LoginLog.Event.FAILED,
        user=user,
        username=typed,
        reason="bad_credentials" if user is not None else "unknown_account",
    )


def on_user_signed_up(sender, request, user, **kwargs):
    services.security_log_create(request=request, event=SecurityLog.Event.SIGNUP, user=user)
    services.profile_record_signup(user=user, request=request)


def on_password_set(sender, request, user, **kwargs):
    services.security_log_create(request=request, event=SecurityLog.Event.PASSWORD_SET, user=user)


def on_password_changed(sender, request, user, **kwargs):
    services.security_log_create(
        request=request, event=SecurityLog.Event.PASSWORD_CHANGED, user=user
    )


def on_password_reset(sender, request, user, **kwargs):
    services.security_log_create(request=request, event=SecurityLog.Event.PASSWORD_RESET, user=user)


def on_email_confirmed(sender, request, email_address, **kwargs):
    trial = services.profile_start_trial_on_confirmation(email_address=email_address)
    extra = {"email": email_address.email, "primary": email_address.primary}
    if trial:
        extra["trial_started"] = True
    services.security_log_create(
        request=request,
        event=SecurityLog.Event.EMAIL_CONFIRMED,
        user=email_address.user,
        extra=extra,
    )


def on_email_confirmation_sent(sender, request, confirmation, signup, **kwargs):
    address = confirmation.email_address
    services.security_log_create(
        request=request,
        event=SecurityLog.Event.EMAIL_CONFIRMATION_SENT,
        user=address.user,
        extra={"email": address.email, "signup": bool(signup)},
    )


def on_email_added(sender, request, user, email_address, **kwargs):
    services.security_log_create(
        request=request,
        event=SecurityLog.Event.EMAIL_ADDED,
        user=user,
        extra={"email": email_address.email},
    )


def on_email_removed(sender, request, user, email_address, **kwargs):
    services.security_log_create(
        request=request,
        event=SecurityLog.Event.EMAIL_REMOVED,
        user=user,
        extra={"email": email_address.email},
    )


def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    services.security_log_create(
        request=request,
        event=SecurityLog.Event.EMAIL_CHANGED,
        user=user,
        extra={
            "from": getattr(from_email_address, "email", None),
            "to": to_email_address.email,
        },
    )


def on_authentication_step_completed(sender, request, user, method, **kwargs):
    if kwargs.get("reauthenticated"):
        services.security_log_create(
            request=request,
            event=SecurityLog.Event.REAUTHENTICATED,
            user=user,
            extra={"method": method},
        )


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    _authenticator_changed(request, user, authenticator, "added")


def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    _authenticator_changed(request, user, authenticator, "removed")


def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    _authenticator_changed(request, user, authenticator, "reset")


def _authenticator_changed(request, user, authenticator, verb):
    services.security_log_create(
        request=request,
        event=f"{authenticator.type}_{verb}",
        user=user,
        extra={"authenticator_id": authenticator.pk, "type": authenticator.type},
    )


def on_authenticator_used(sender, request, user, authenticator, **kwargs):
    services.mfa_log_create(
        request=request,
        event=MFALog.Event.USED,
        user=user,
        authenticator=authenticator,
        reauthentication=kwargs.get("reauthenticated", False),
        passwordless=kwargs.get("passwordless", False),
    )


def on_authentication_failed(sender, request, user, authenticator=None, **kwargs):
    services.mfa_log_create(
        request=request,
        event=MFALog.Event.FAILED,
        user=user,
        authenticator=authenticator,
        reauthentication=kwargs.get("reauthentication", False),
    )


def on_sessions_ended(sender, request, user, actor, count, scope, **kwargs):
    services.security_log_create(
        request=request,
        event=SecurityLog.Event.SESSIONS_ENDED,
        user=user,
        actor=actor,
        extra={"count": count, "scope": scope},
    )


def on_new_device_login(sender, request, user, **kwargs):
    services.security_log_create(
        request=request, event=SecurityLog.Event.NEW_DEVICE_LOGIN, user=user
    )


def on_rate_limited(sender, request, action, user=None, **kwargs):
    services.security_log_create(
        request=request,
        event=SecurityLog.Event.RATE_LIMITED,
        user=user,
        extra={"action": action},
    )


def on_suspicious_activity(sender, request, user, reason, details=None, **kwargs):
    services.security_log_create(
        request=request,
        event=SecurityLog.Event.SUSPICIOUS_ACTIVITY,
        user=user,
        extra={"reason": reason, "details": details or {}},
    )


def on_social_account_added(sender, request, sociallogin, **kwargs):
    _social_account_changed(request, sociallogin.user, sociallogin.account, "added")


def on_social_account_updated(sender, request, sociallogin, **kwargs):
    _social_account_changed(request, sociallogin.user, sociallogin.account, "updated")


def on_social_account_removed(sender, request, socialaccount, **kwargs):
    _social_account_changed(request, socialaccount.user, socialaccount, "removed")


def _social_account_changed(request, user, account, verb):
    services.security_log_create(
        request=request,
        event=f"socialaccount_{verb}",
        user=user,
        extra={"provider": account.provider, "uid": account.uid},
    )
