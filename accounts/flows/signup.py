"""Signing up: the account, its first address, the verification mail, then the login."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts import app_settings, ratelimit
from accounts.adapter import get_adapter
from accounts.app_settings import EmailVerification
from accounts.authentication import record_authentication
from accounts.flows.email_verification import send_verification_email
from accounts.flows.login import perform_login
from accounts.httpkit import absolute_url
from accounts.models import EmailAddress, User
from accounts.signals import user_signed_up


def find_verified_owner(email: str) -> User | None:
    """The account whose verified address ``email`` is (case-insensitively), or ``None``."""
    address = (
        EmailAddress.objects.matching(email).filter(verified=True).select_related("user").first()
    )
    return address.user if address is not None else None


@transaction.atomic
def complete_signup(
    request: HttpRequest,
    *,
    username: str,
    email: str,
    password: str,
    redirect_url: str | None,
    data: dict[str, Any] | None = None,
) -> HttpResponse:
    """Create the user and its primary, unverified address; mail the link; log in.

    The adapter makes and fills the user (``new_user``, ``populate_user`` with ``data``, the
    signup form's cleaned data, so a site's extra fields reach it). In mandatory-verification
    mode nobody is logged in: the "verification sent" page is shown. There, an address that
    already belongs to an account gets the same page, and its owner a mail saying so, so that
    signup cannot tell anyone which addresses have accounts.
    """
    mode = app_settings.EMAIL_VERIFICATION
    if mode == EmailVerification.MANDATORY:
        owner = find_verified_owner(email)
        if owner is not None:
            return pretend_signup(request, owner=owner, email=email, password=password)
    adapter = get_adapter(request)
    user = adapter.new_user(request)
    adapter.populate_user(request, user, {**(data or {}), "username": username, "email": email})
    user.set_password(password)
    user.save()
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    if mode != EmailVerification.NONE:
        send_verification_email(request, email_address=address, signup=True)
    user_signed_up.send(sender=user.__class__, request=request, user=user)
    if mode == EmailVerification.MANDATORY:
        return HttpResponseRedirect(reverse("account_email_verification_sent"))
    record_authentication(request, method="password", signup=True)
    return perform_login(request, user=user, redirect_url=redirect_url)


def pretend_signup(request: HttpRequest, *, owner: User, email: str, password: str) -> HttpResponse:
    """Answer like a successful signup; create nothing; tell the address's owner.

    The password is hashed all the same (a real signup spends that time). The owner gets at
    most one such mail per address per ``confirm_email`` window, so nobody can flood them.
    """
    User().set_password(password)
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
    return HttpResponseRedirect(reverse("account_email_verification_sent"))
