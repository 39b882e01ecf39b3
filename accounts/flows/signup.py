"""Signing up: the account, its first address, the verification mail, then the login."""

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.flows.email_verification import send_verification_email
from accounts.flows.login import perform_login, record_authentication
from accounts.models import EmailAddress, User
from accounts.signals import user_signed_up


@transaction.atomic
def complete_signup(request, *, username, email, password, redirect_url):
    """Create the user and its primary, unverified address; mail the link; log in.

    In mandatory-verification mode nobody is logged in: the "verification sent" page is shown.
    """
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
