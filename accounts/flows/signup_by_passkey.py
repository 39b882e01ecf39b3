"""Signing up with an email address and a passkey, no password (``MFA_PASSKEY_SIGNUP_ENABLED``).

allauth's order: the account is created without a usable password and its address mailed a
code (verification by code is mandatory for this, checked at start-up); the code typed in the
same browser leads to ``mfa_signup_webauthn``, where the passkey is created; only then is the
user logged in (``accounts.mfa.webauthn.signup``). An address that already has an account gets
the same pages (a code nobody has) and its owner a mail, so nothing tells it has an account.

Signals: ``user_signed_up``; then those of email verification by code.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts import ratelimit
from accounts.adapter import get_adapter
from accounts.flows.email_code import pretend_verification_code
from accounts.flows.email_verification import send_verification_email
from accounts.flows.signup import find_verified_owner
from accounts.httpkit import absolute_url
from accounts.models import EmailAddress, User
from accounts.signals import user_signed_up

PASSKEY_SIGNUP_SESSION_KEY = "account_passkey_signup"
PASSKEY_SIGNUP_TIMEOUT = 30 * 60


@transaction.atomic
def signup_by_passkey(
    request: HttpRequest, *, username: str, email: str, data=None
) -> HttpResponse:
    """Create the password-less account and mail the code; answer with the code page."""
    owner = find_verified_owner(email)
    if owner is not None:
        if ratelimit.consume(request, "confirm_email", key=email.lower()):
            get_adapter(request).send_mail(
                "account/email/account_already_exists",
                email,
                {
                    "user": owner,
                    "email": email,
                    "login_url": absolute_url(request, reverse("account_login")),
                    "password_reset_url": absolute_url(request, reverse("account_reset_password")),
                },
                request=request,
            )
            pretend_verification_code(request, email=email)
        return HttpResponseRedirect(reverse("account_email_verification_sent"))
    adapter = get_adapter(request)
    user = adapter.new_user(request)
    adapter.populate_user(request, user, {**(data or {}), "username": username, "email": email})
    user.set_unusable_password()
    user.save()
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    send_verification_email(request, email_address=address, signup=True)
    user_signed_up.send(sender=user.__class__, request=request, user=user)
    request.session[PASSKEY_SIGNUP_SESSION_KEY] = {
        "user_id": user.pk,
        "verified": False,
        "at": time.time(),
    }
    return HttpResponseRedirect(reverse("account_email_verification_sent"))


def passkey_step_after_verification(request: HttpRequest, user: User) -> HttpResponse | None:
    """The code proved the address of a passkey signup from this browser: make the passkey
    next (``mfa_signup_webauthn``) instead of logging in. ``None`` for any other signup."""
    data = request.session.get(PASSKEY_SIGNUP_SESSION_KEY)
    if not isinstance(data, dict) or data.get("user_id") != user.pk:
        return None
    request.session[PASSKEY_SIGNUP_SESSION_KEY] = {**data, "verified": True}
    return HttpResponseRedirect(reverse("mfa_signup_webauthn"))


def get_passkey_signup_user(request: HttpRequest) -> User | None:
    """The account of this browser's passkey signup, once its address is verified and while
    it has neither a password nor a key (30 minutes)."""
    data = request.session.get(PASSKEY_SIGNUP_SESSION_KEY)
    if not isinstance(data, dict) or not data.get("verified"):
        return None
    if time.time() - float(data.get("at") or 0) > PASSKEY_SIGNUP_TIMEOUT:
        request.session.pop(PASSKEY_SIGNUP_SESSION_KEY, None)
        return None
    user = User.objects.filter(pk=data.get("user_id"), is_active=True).first()
    if user is None or user.has_usable_password() or user.authenticators.exists():
        request.session.pop(PASSKEY_SIGNUP_SESSION_KEY, None)
        return None
    return user


def clear_passkey_signup(request: HttpRequest) -> None:
    request.session.pop(PASSKEY_SIGNUP_SESSION_KEY, None)
