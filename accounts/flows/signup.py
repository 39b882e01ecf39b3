"""Signing up: the account, its first address, the verification mail, then the login."""

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts import mail, ratelimit
from accounts.flows.email_verification import send_verification_email
from accounts.flows.login import perform_login, record_authentication
from accounts.models import EmailAddress, User
from accounts.signals import user_signed_up


def find_verified_owner(email):
    """The account whose verified address ``email`` is (case-insensitively), or ``None``."""
    address = (
        EmailAddress.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=email.lower(), verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address is not None else None


@transaction.atomic
def complete_signup(request, *, username, email, password, redirect_url):
    """Create the user and its primary, unverified address; mail the link; log in.

    In mandatory-verification mode nobody is logged in: the "verification sent" page is shown.
    There, an address that already belongs to an account gets the same page, and its owner a
    mail saying so, so that signup cannot tell anyone which addresses have accounts.
    """
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory":
        owner = find_verified_owner(email)
        if owner is not None:
            return pretend_signup(request, owner=owner, email=email, password=password)
    user = User(username=username, email=email)
    user.set_password(password)
    user.save()
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    if settings.ACCOUNT_EMAIL_VERIFICATION != "none":
        send_verification_email(request, email_address=address, signup=True)
    user_signed_up.send(sender=user.__class__, request=request, user=user)
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory":
        return HttpResponseRedirect(reverse("account_email_verification_sent"))
    record_authentication(request, method="password", signup=True)
    return perform_login(request, user=user, redirect_url=redirect_url)


def pretend_signup(request, *, owner, email, password):
    """Answer like a successful signup; create nothing; tell the address's owner.

    The password is hashed all the same (a real signup spends that time). The owner gets at
    most one such mail per address per ``confirm_email`` window, so nobody can flood them.
    """
    User().set_password(password)
    if ratelimit.consume(request, "confirm_email", key=email.lower()):
        mail.send_mail(
            "account/email/account_already_exists",
            email,
            {
                "user": owner,
                "email": email,
                "login_url": mail.absolute_url(request, reverse("account_login")),
                "password_reset_url": mail.absolute_url(request, reverse("account_reset_password")),
            },
            request=request,
        )
    return HttpResponseRedirect(reverse("account_email_verification_sent"))
