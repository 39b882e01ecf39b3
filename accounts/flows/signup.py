"""Signing up: the account, its first address, the verification mail, then the login."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import app_settings, ratelimit
from accounts.adapter import get_adapter
from accounts.app_settings import EmailVerification
from accounts.authentication import record_authentication
from accounts.exceptions import FlowError
from accounts.flows.address_owner import mail_address
from accounts.flows.email_code import pretend_verification_code
from accounts.flows.feedback import announce_confirmation_sent, announce_signup
from accounts.flows.invitations import accept_invitation
from accounts.flows.login import perform_login
from accounts.httpkit import absolute_url
from accounts.models import EmailAddress, User
from accounts.signals import user_signed_up

USERNAME_TAKEN = _("A user with that username already exists.")


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
    response: HttpResponse | None = None,
) -> HttpResponse:
    """Create the user and its primary, unverified address; mail the link; log in.

    The adapter makes and fills the user (``new_user``, ``populate_user`` with ``data``, the
    signup form's cleaned data, so a site's extra fields reach it). A followed invitation
    is used up (``invitation_accepted``); one used meanwhile by another signup raises
    ``FlowError`` and nothing is created. In mandatory-verification
    mode nobody is logged in: the "verification sent" page is shown. There, an address that
    already belongs to an account gets the same page, and its owner a mail saying so, so that
    signup cannot tell anyone which addresses have accounts. In the other modes, with
    ``ACCOUNT_PREVENT_ENUMERATION = "strict"``, such a signup goes through: the new account's
    copy of the address stays unverified (``verify_address`` refuses it while another account
    holds it) and the owner is told by mail.
    """
    mode = app_settings.EMAIL_VERIFICATION
    if mode == EmailVerification.MANDATORY and email and app_settings.PREVENT_ENUMERATION:
        owner = find_verified_owner(email)
        if owner is not None:
            return pretend_signup(request, owner=owner, email=email, password=password)
    adapter = get_adapter(request)
    user = adapter.new_user(request)
    adapter.populate_user(request, user, {**(data or {}), "username": username, "email": email})
    user.set_password(password)
    try:
        user.save()
    except IntegrityError:
        # The same username signed up a moment ago (the form's check passed for both): the
        # database's unique constraint decides, and this one gets the form's usual answer.
        # No inner savepoint is needed: the FlowError leaves this atomic block, which rolls
        # the whole signup back.
        raise FlowError(USERNAME_TAKEN, code="username_taken", field="username") from None
    address = None  # ACCOUNT_SIGNUP_FIELDS may make the address optional
    if email:
        address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    if address is not None:
        # A held address (possible with ACCOUNT_PREVENT_ENUMERATION = "strict") gets its owner
        # a notice instead of a link; the answer below is the same either way.
        mail_address(
            request,
            email_address=address,
            signup=True,
            verification=mode != EmailVerification.NONE,
        )
    user_signed_up.send(sender=user.__class__, request=request, user=user)
    accept_invitation(request, user=user)  # a closed signup's invitation is used up here
    if mode == EmailVerification.MANDATORY:
        if email:
            announce_confirmation_sent(request, email=email)  # as pretend_signup says it
        return HttpResponseRedirect(reverse("account_email_verification_sent"))
    record_authentication(request, method="password", signup=True)
    announce_signup(request, user=user, email=email)  # whoever holds the address
    return perform_login(request, user=user, redirect_url=redirect_url, response=response)


def pretend_signup(request: HttpRequest, *, owner: User, email: str, password: str) -> HttpResponse:
    """Answer like a successful signup; create nothing; tell the address's owner.

    The password is hashed all the same (a real signup spends that time). The owner gets at
    most one such mail per address per ``confirm_email`` window, so nobody can flood them.
    """
    User().set_password(password)
    pretend_verification_code(request, email=email)  # by-code mode: the same code page
    announce_confirmation_sent(request, email=email)  # the same words as a real signup
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
