"""Refusals by rate limits and lockouts, and suspicious logins: traces staff see on the
activity dashboard (and, for suspicious logins, a notice to the user)."""

from django.urls import reverse

from accounts import mail
from accounts.signals import rate_limited, suspicious_activity


def report_rate_limited(request, *, action, user=None):
    """Send ``rate_limited`` for a refused request.

    ``action`` is the ``accounts.ratelimit`` action whose budget was used up; ``user`` is the
    account the attempt aimed at when it is known (the resolved login, the logged-in user).
    """
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    rate_limited.send(sender=None, request=request, action=action, user=user)


def report_password_after_failures(request, *, user, failed_attempts):
    """The right password came after several wrong ones: it may have been guessed.

    Sends ``suspicious_activity`` (reason ``"password_after_failures"``) and tells the user by
    mail, with when, where from and which browser, so they can reset the password if it was
    not them. Sent at the password step, whether or not a second factor follows.
    """
    suspicious_activity.send(
        sender=user.__class__,
        request=request,
        user=user,
        reason="password_after_failures",
        details={"failed_attempts": failed_attempts},
    )
    if user.email:
        mail.send_mail(
            "account/email/password_after_failures",
            user.email,
            {
                "user": user,
                "failed_attempts": failed_attempts,
                "password_reset_url": mail.absolute_url(request, reverse("account_reset_password")),
            },
            request=request,
        )
