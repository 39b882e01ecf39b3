"""Reauthentication: proving again who one is before a sensitive action."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from accounts import ratelimit
from accounts.authentication import record_authentication
from accounts.exceptions import FlowError
from accounts.signals import authentication_step_completed
from accounts.usersessions.store import rotate_session

INCORRECT_PASSWORD = _("Incorrect password.")


def reauthenticate_by_password(
    request: HttpRequest, *, password: str, redirect_url: str
) -> HttpResponse:
    """Check the password again: record it, rotate the session key, send the signal.

    Wrong passwords here count against the account's login budget too (reserved before the
    hasher runs): a stolen session gets no more guesses at the password than the login form
    gives. Raises ``RateLimited`` or ``FlowError("incorrect_password")``.
    """
    user = request.user
    key = f"user:{user.pk}"
    ratelimit.consume_or_raise(request, "login_failed", key=key)
    if not user.check_password(password):
        raise FlowError(INCORRECT_PASSWORD, code="incorrect_password", field="password")
    ratelimit.rollback(request, "login_failed", key=key)
    ratelimit.clear(request, "login_failed", key=key)
    record_authentication(request, method="password", reauthenticated=True)
    rotate_session(request)
    authentication_step_completed.send(
        sender=user.__class__, request=request, user=user, method="password", reauthenticated=True
    )
    return HttpResponseRedirect(redirect_url)
