"""Mailing an address that another account already holds, without telling anyone else so.

Signing up with, or adding, an address that another account has verified must look exactly
like using a fresh one (issue 13, points 2 and 3): same answer, same page, same messages,
same audit rows for the person trying. What differs is only the mail, and it goes to the
address itself, whose owner is the only one who can read it: a verification link for a
fresh address, or a notice for the owner that someone tried to use theirs. Both count
against the same per-address cooldown.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from accounts.adapter import get_adapter
from accounts.email_confirmation import EmailConfirmation
from accounts.flows.email_code import pretend_verification_code
from accounts.flows.email_verification import reserve_verification_mail, send_verification_email
from accounts.httpkit import absolute_url
from accounts.models import EmailAddress, User
from accounts.signals import email_confirmation_sent


def verified_owner(email_address: EmailAddress) -> User | None:
    """The *other* account whose verified address this is (case-insensitively), or ``None``."""
    held = (
        EmailAddress.objects.matching(email_address.email)
        .filter(verified=True)
        .exclude(user_id=email_address.user_id)
        .select_related("user")
        .first()
    )
    return held.user if held is not None else None


def mail_address(
    request: HttpRequest, *, email_address: EmailAddress, signup: bool, verification: bool = True
) -> bool:
    """Mail ``email_address`` its confirmation link, or, when another account holds it, its
    owner a notice ("someone tried to use your address"). Returns False while cooling down.

    ``email_confirmation_sent`` is sent in both cases (its confirmation could never verify a
    held address: ``verify_address`` refuses it), so the trying user's audit trail and
    activity page read the same. ``verification=False`` (``ACCOUNT_EMAIL_VERIFICATION =
    "none"``): a fresh address gets nothing, a held one still gets the owner's notice.
    """
    owner = verified_owner(email_address)
    if owner is None:
        if not verification:
            return False
        return send_verification_email(request, email_address=email_address, signup=signup)
    if not reserve_verification_mail(request, email_address.email):
        return False
    if verification:  # by-code mode: the same code page, with a code nobody has
        pretend_verification_code(request, email=email_address.email)
    get_adapter(request).send_mail(
        "account/email/address_in_use",
        email_address.email,
        {
            "user": owner,
            "email": email_address.email,
            "signup": signup,
            "login_url": absolute_url(request, reverse("account_login")),
            "password_reset_url": absolute_url(request, reverse("account_reset_password")),
        },
        request=request,
    )
    if verification:
        email_confirmation_sent.send(
            sender=EmailConfirmation,
            request=request,
            confirmation=EmailConfirmation(email_address),
            signup=signup,
        )
    return True
