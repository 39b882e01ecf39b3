"""Reauthentication: proving again who one is before a sensitive action."""

from django.http import HttpResponseRedirect

from accounts.flows.login import record_authentication
from accounts.signals import authentication_step_completed
from accounts.user_sessions import rotate_session


def reauthenticate_by_password(request, *, redirect_url):
    """The password was checked by the form: record it, rotate the key, send the signal."""
    user = request.user
    record_authentication(request, method="password", reauthenticated=True)
    rotate_session(request)
    authentication_step_completed.send(
        sender=user.__class__, request=request, user=user, method="password", reauthenticated=True
    )
    return HttpResponseRedirect(redirect_url)
