"""Logging out."""

from django.contrib.auth import logout as django_logout
from django.http import HttpRequest

from accounts.flows.feedback import announce_logout
from accounts.usersessions.store import forget_session


def logout_user(request: HttpRequest) -> None:
    """End this session; Django's ``logout`` sends ``user_logged_out``.

    Without a signed-in user (e.g. a login waiting for its second factor) the session is
    flushed all the same, so no half-done login survives "sign out"; no signal then.
    """
    if not request.user.is_authenticated:
        request.session.flush()
        return
    forget_session(request.session.session_key)
    django_logout(request)


def sign_out(request: HttpRequest) -> None:
    """The user asked to sign out: end the session and say so on the next page."""
    logout_user(request)
    announce_logout(request)
