"""Sending verification mails (signup, add, resend, login in mandatory mode)."""

from django.urls import reverse

from accounts import mail, ratelimit
from accounts.models import EmailConfirmation
from accounts.signals import email_confirmation_sent


def send_verification_email(request, *, email_address, signup):
    """Mail a confirmation link for ``email_address``; return False when rate limited.

    At most one mail per address per ``confirm_email`` window; when limited, no mail goes out
    and ``email_confirmation_sent`` is not sent.
    """
    if not ratelimit.consume(request, "confirm_email", key=email_address.email.lower()):
        return False
    confirmation = EmailConfirmation(email_address)
    url = mail.absolute_url(request, reverse("account_confirm_email", args=[confirmation.key]))
    template = (
        "account/email/email_confirmation_signup"
        if signup
        else ("account/email/email_confirmation")
    )
    mail.send_mail(
        template,
        email_address.email,
        {"user": email_address.user, "activate_url": url, "email": email_address.email},
        request=request,
    )
    email_confirmation_sent.send(
        sender=EmailConfirmation, request=request, confirmation=confirmation, signup=signup
    )
    return True
