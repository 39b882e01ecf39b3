"""Sending verification mails (signup, add, resend, login in mandatory mode)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse

from accounts import app_settings, ratelimit
from accounts.adapter import get_adapter
from accounts.email_confirmation import EmailConfirmation
from accounts.flows import email_code
from accounts.headless.frontend import frontend_url
from accounts.httpkit import absolute_url
from accounts.models import EmailAddress
from accounts.signals import email_confirmation_sent


def cooldown_minutes() -> int:
    return max(1, -(-app_settings.EMAIL_CONFIRMATION_COOLDOWN // 60))


def _stamp_key(email):
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    return f"email-confirmation-sent:{digest}"


def reserve_verification_mail(request: HttpRequest, email: str) -> bool:
    """Claim the right to mail ``email`` a confirmation link now; False while cooling down.

    Counted by the ``confirm_email`` rate (per address). Its windows are fixed, so on their
    own they would let two mails through a second apart across a window boundary; the time
    of the last mail is therefore kept as well, and nothing goes out within
    ``ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN`` seconds of it. Times come from ``ratelimit.now``
    (not the cache's expiry), so tests can move them on any cache backend.
    """
    cooldown, key = app_settings.EMAIL_CONFIRMATION_COOLDOWN, _stamp_key(email)
    try:
        last = cache.get(key)
    except ratelimit.CACHE_ERRORS as error:  # cache down: no cooldown (ratelimit docstring)
        ratelimit.report_outage(error, action="confirm_email")
        last = None
    if cooldown > 0 and last is not None and 0 <= ratelimit.now() - last < cooldown:
        return False
    if not ratelimit.consume(request, "confirm_email", key=email.lower()):
        return False
    if cooldown > 0:
        try:
            cache.set(key, ratelimit.now(), timeout=cooldown + 1)
        except ratelimit.CACHE_ERRORS as error:
            ratelimit.report_outage(error, action="confirm_email")
    return True


def send_verification_email(
    request: HttpRequest, *, email_address: EmailAddress, signup: bool
) -> bool:
    """Mail a confirmation link for ``email_address``; return False when rate limited.

    At most one mail per address per cooldown (see ``reserve_verification_mail``); when
    limited, no mail goes out and ``email_confirmation_sent`` is not sent.
    """
    if not reserve_verification_mail(request, email_address.email):
        return False
    if email_code.is_enabled():  # ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED: a code, no link
        email_code.send_verification_code(request, email_address=email_address, signup=signup)
        return True
    confirmation = EmailConfirmation(email_address)
    url = frontend_url(request, "account_confirm_email", key=confirmation.key) or absolute_url(
        request, reverse("account_confirm_email", args=[confirmation.key])
    )
    template = (
        "account/email/email_confirmation_signup" if signup else "account/email/email_confirmation"
    )
    get_adapter(request).send_mail(
        template,
        email_address.email,
        {"user": email_address.user, "activate_url": url, "email": email_address.email},
        request=request,
    )
    email_confirmation_sent.send(
        sender=EmailConfirmation, request=request, confirmation=confirmation, signup=signup
    )
    return True
