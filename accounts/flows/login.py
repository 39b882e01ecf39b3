"""Logging in: the password step, the pending second step, and completing the login."""

import time

from django.conf import settings
from django.contrib.auth import login as django_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from accounts.flows.email_verification import send_verification_email
from accounts.flows.sessions import after_login
from accounts.models import Authenticator, User
from accounts.signals import authentication_step_completed, user_logged_in
from accounts.user_sessions import record_session

PENDING_LOGIN_SESSION_KEY = "account_pending_login"
AUTHENTICATION_RECORDS_SESSION_KEY = "account_authentication_records"
PENDING_LOGIN_TIMEOUT = 15 * 60
BACKEND = "accounts.backends.UsernameOrEmailBackend"


def record_authentication(request, *, method, **extra):
    """Remember in the session how (and when) the user authenticated.

    Example entries: ``{"method": "password", "at": 1732600000.0, "username": "alice"}``,
    ``{"method": "totp", "at": ..., "type": "totp", "id": 3}``. The last entry tells receivers
    of ``user_logged_in`` which method completed the login; ``at`` drives reauthentication.
    """
    records = list(request.session.get(AUTHENTICATION_RECORDS_SESSION_KEY, []))[-9:]
    records.append({"method": method, "at": time.time(), **extra})
    request.session[AUTHENTICATION_RECORDS_SESSION_KEY] = records


def has_second_factor(user):
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def needs_email_verification(user):
    if settings.ACCOUNT_EMAIL_VERIFICATION != "mandatory":
        return False
    return not user.emailaddress_set.filter(verified=True).exists()


def send_verification_instead_of_login(request, user):
    """Mandatory mode: (re)send the mail to the unverified primary and show "sent"."""
    address = user.emailaddress_set.filter(primary=True).first() or user.emailaddress_set.first()
    if address is not None:
        send_verification_email(request, email_address=address, signup=False)
    return HttpResponseRedirect(reverse("account_email_verification_sent"))


def complete_password_step(request, *, user, login, redirect_url, remember):
    """The password matched: send the step signal, then log in or ask for the next step."""
    credential = {"email": login} if "@" in login else {"username": login}
    record_authentication(request, method="password", **credential)
    authentication_step_completed.send(
        sender=user.__class__, request=request, user=user, method="password", **credential
    )
    if needs_email_verification(user):
        return send_verification_instead_of_login(request, user)
    if has_second_factor(user):
        return stage_pending_login(request, user=user, redirect_url=redirect_url, remember=remember)
    return perform_login(request, user=user, redirect_url=redirect_url, remember=remember)


def stage_pending_login(request, *, user, redirect_url, remember):
    """Keep the half-done login in the session (15 minutes) and ask for the second factor."""
    request.session[PENDING_LOGIN_SESSION_KEY] = {
        "user_id": user.pk,
        # Bound to the password: a change or reset meanwhile voids the half-done login.
        "auth_hash": user.get_session_auth_hash(),
        "at": time.time(),
        "redirect_url": redirect_url,
        "remember": remember,
    }
    return HttpResponseRedirect(reverse("mfa_authenticate"))


def get_pending_login(request):
    """Return ``(user, state)`` of a pending login younger than 15 minutes, or ``(None, None)``."""
    state = request.session.get(PENDING_LOGIN_SESSION_KEY)
    if not state:
        return None, None
    if time.time() - state.get("at", 0) > PENDING_LOGIN_TIMEOUT:
        clear_pending_login(request)
        return None, None
    user = User.objects.filter(pk=state.get("user_id"), is_active=True).first()
    if user is None or not constant_time_compare(
        str(state.get("auth_hash", "")), user.get_session_auth_hash()
    ):
        clear_pending_login(request)
        return None, None
    return user, state


def clear_pending_login(request):
    request.session.pop(PENDING_LOGIN_SESSION_KEY, None)


def resume_pending_login(request, *, user, state):
    """The second factor was accepted: finish the staged login."""
    clear_pending_login(request)
    return perform_login(
        request, user=user, redirect_url=state["redirect_url"], remember=state.get("remember")
    )


def perform_login(request, *, user, redirect_url, remember=None):
    """Log ``user`` in (rotating the session key), record the session, send ``user_logged_in``.

    ``remember=False`` makes the session end when the browser closes.
    """
    clear_pending_login(request)  # another user's half-done login ends with this one
    django_login(request, user, backend=BACKEND)
    if remember is False:
        request.session.set_expiry(0)
    record_session(request, user)
    response = HttpResponseRedirect(redirect_url or settings.LOGIN_REDIRECT_URL)
    user_logged_in.send(sender=user.__class__, request=request, response=response, user=user)
    after_login(request, user=user)
    return response
