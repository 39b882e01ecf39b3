"""Logging in: the password step, the pending second step, and completing the login.

``login_by_password`` is the whole password step behind ``/accounts/login/`` (and the JSON
API): the failed-login budget, the check, the "guessed after failures" notice, and then the
login or the next step. ``perform_login`` completes any login (password, code, key, passkey).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from accounts import app_settings, detection, ratelimit
from accounts.adapter import get_adapter
from accounts.app_settings import EmailVerification
from accounts.authentication import is_signup_login, record_authentication
from accounts.deletion import offer_deletion_cancel, pending_deletion
from accounts.device_cookies import failed_login_key, issue_device_cookie, report_if_locked
from accounts.exceptions import FlowError
from accounts.flows.email_verification import send_verification_email
from accounts.flows.feedback import announce_login
from accounts.flows.login_code import require_login_code
from accounts.flows.new_device import notify_if_new_device
from accounts.httpkit import absolute_url
from accounts.mfa.trust.auth import is_enabled as trust_step_enabled
from accounts.mfa.trust.auth import is_trusted_browser, stage_trust_step
from accounts.mfa.utils import has_second_factor
from accounts.models import User
from accounts.notifications import send_security_notice
from accounts.signals import authentication_step_completed, suspicious_activity, user_logged_in
from accounts.users import find_user_by_login, normalize_login
from accounts.usersessions.store import (
    login_with_new_key,
    mark_session_not_remembered,
    prune_ended_records,
    record_session,
)

PENDING_LOGIN_SESSION_KEY = "account_pending_login"
PENDING_LOGIN_TIMEOUT = 15 * 60
BACKEND = "accounts.backends.UsernameOrEmailBackend"

INVALID_LOGIN = _("The username/email and password you entered do not match.")
TOO_MANY_ATTEMPTS = _(
    "Too many failed login attempts. Try again in a few minutes, or reset your password."
)


@dataclass
class PendingLogin:
    """A login whose password step passed and that waits for a second factor (15 minutes).

    Bound to the password: a change or reset meanwhile voids it (``auth_hash``).
    """

    user_id: int
    auth_hash: str
    at: float
    redirect_url: str
    remember: bool | None = None
    sociallogin: dict | None = None  # a social login's data, for ``user_logged_in``

    def serialize(self) -> dict:
        return asdict(self)

    @classmethod
    def deserialize(cls, data) -> PendingLogin | None:
        try:
            return cls(**data)
        except TypeError:
            return None


def needs_email_verification(user: User) -> bool:
    if app_settings.EMAIL_VERIFICATION != EmailVerification.MANDATORY:
        return False
    return not user.emailaddress_set.filter(verified=True).exists()


def send_verification_instead_of_login(request: HttpRequest, user: User) -> HttpResponse:
    """Mandatory mode: (re)send the mail to the unverified primary and show "sent"."""
    address = user.emailaddress_set.filter(primary=True).first() or user.emailaddress_set.first()
    if address is not None:
        send_verification_email(request, email_address=address, signup=False)
    return HttpResponseRedirect(reverse("account_email_verification_sent"))


def login_by_password(
    request: HttpRequest,
    *,
    login: str,
    password: str,
    redirect_url: str,
    remember: bool,
    response: HttpResponse | None = None,
) -> HttpResponse:
    """Check ``login``/``password`` and log in, or ask for the next step.

    The failed-login attempt is counted *before* the hasher runs (so parallel requests cannot
    all slip through a nearly used budget) and given back when the password was right. The
    per-account key is the resolved account, so ``alice`` and ``alice@example.com`` share one
    budget; an unknown login gets a budget of its own typed value, and the refusal reads the
    same, so a lockout says nothing about whether an account exists. A browser holding a
    device cookie for the account spends its own budget instead, so others cannot lock it
    out (``accounts.device_cookies``); the failure that locks sends ``login_locked``.

    Raises ``RateLimited`` (429) or ``FlowError("invalid_login")``; the right password on an
    inactive account answers with the "inactive" page.
    """
    login = normalize_login(login)
    account = find_user_by_login(login, request=request)
    key, scope = failed_login_key(request, account=account, login=login)
    ratelimit.consume_or_raise(
        request, "login_failed", key=key, user=account, message=TOO_MANY_ATTEMPTS
    )
    user = authenticate(request, username=login, password=password)
    if user is None:
        inactive = getattr(request, "inactive_login_user", None)
        if inactive is not None and inactive == account:
            # The right password: not a failure (the page says the account is inactive).
            ratelimit.rollback(request, "login_failed", key=key)
            if pending_deletion(inactive) is not None:  # deleted, in its grace period
                return offer_deletion_cancel(
                    request,
                    user=inactive,
                    login=login,
                    redirect_url=redirect_url,
                    remember=remember,
                )
            return HttpResponseRedirect(reverse("account_inactive"))
        report_if_locked(request, account=account, key=key, scope=scope)
        detection.record_failed_login(request, login=login, account=account)
        raise FlowError(INVALID_LOGIN, code="invalid_login")
    ratelimit.rollback(request, "login_failed", key=key)
    failed_attempts = ratelimit.count(request, "login_failed", key=key, per="key")
    ratelimit.clear(request, "login_failed", key=key)
    if failed_attempts >= app_settings.SUSPICIOUS_LOGIN_FAILURES:
        report_password_after_failures(request, user=user, failed_attempts=failed_attempts)
    return complete_password_step(
        request,
        user=user,
        login=login,
        redirect_url=redirect_url,
        remember=remember,
        response=response,
    )


def report_password_after_failures(request: HttpRequest, *, user: User, failed_attempts: int):
    """The right password came after several wrong ones: it may have been guessed.

    Sends ``suspicious_activity`` (reason ``"password_after_failures"``) and tells the user by
    mail, with when, where from and which browser, so they can reset the password if it was
    not them. Sent at the password step, whether or not a second factor follows.
    """
    suspicious_activity.send(
        sender=user.__class__,
        request=request,
        user=user,
        reason="password_after_failures",
        details={"failed_attempts": failed_attempts},
    )
    if user.email:
        send_security_notice(
            request,
            user=user,
            notice="password_after_failures",
            to=user.email,
            failed_attempts=failed_attempts,
            password_reset_url=absolute_url(request, reverse("account_reset_password")),
        )


def complete_password_step(
    request: HttpRequest,
    *,
    user: User,
    login: str,
    redirect_url: str,
    remember: bool | None,
    response: HttpResponse | None = None,
) -> HttpResponse:
    """The password matched: send the step signal, then log in or ask for the next step."""
    # A username may contain "@" (signup allows it): typed as the username, it is one.
    by_email = "@" in login and login.lower() != user.get_username().lower()
    credential = {"email": login} if by_email else {"username": login}
    record_authentication(request, method="password", **credential)
    authentication_step_completed.send(
        sender=user.__class__, request=request, user=user, method="password", **credential
    )
    if needs_email_verification(user):
        return send_verification_instead_of_login(request, user)
    code_step = require_login_code(request, user=user, redirect_url=redirect_url, remember=remember)
    if code_step is not None:  # ACCOUNT_LOGIN_BY_CODE_REQUIRED: a mailed code comes next
        return code_step
    if has_second_factor(user):
        return stage_pending_login(request, user=user, redirect_url=redirect_url, remember=remember)
    return perform_login(
        request, user=user, redirect_url=redirect_url, remember=remember, response=response
    )


def stage_pending_login(
    request: HttpRequest,
    *,
    user: User,
    redirect_url: str,
    remember: bool | None,
    sociallogin=None,
) -> HttpResponse:
    """Keep the half-done login in the session and ask for the second factor."""
    if is_trusted_browser(request, user):  # MFA_TRUST_ENABLED: a trusted browser skips it
        record_authentication(request, method="trusted_browser")
        return perform_login(
            request,
            user=user,
            redirect_url=redirect_url,
            remember=remember,
            sociallogin=sociallogin,
        )
    pending = PendingLogin(
        user_id=user.pk,
        auth_hash=user.get_session_auth_hash(),
        at=time.time(),
        redirect_url=redirect_url,
        remember=remember,
        sociallogin=sociallogin.serialize() if sociallogin is not None else None,
    )
    request.session[PENDING_LOGIN_SESSION_KEY] = pending.serialize()
    return HttpResponseRedirect(reverse("mfa_authenticate"))


def get_pending_login(request: HttpRequest) -> tuple[User | None, PendingLogin | None]:
    """``(user, pending)`` of a pending login younger than 15 minutes, or ``(None, None)``."""
    data = request.session.get(PENDING_LOGIN_SESSION_KEY)
    pending = PendingLogin.deserialize(data) if isinstance(data, dict) else None
    if pending is None:
        if data:
            clear_pending_login(request)
        return None, None
    if time.time() - pending.at > PENDING_LOGIN_TIMEOUT:
        clear_pending_login(request)
        return None, None
    user = User.objects.filter(pk=pending.user_id, is_active=True).first()
    if user is None or not constant_time_compare(
        str(pending.auth_hash), user.get_session_auth_hash()
    ):
        clear_pending_login(request)
        return None, None
    return user, pending


def clear_pending_login(request: HttpRequest) -> None:
    request.session.pop(PENDING_LOGIN_SESSION_KEY, None)


def resume_pending_login(
    request: HttpRequest, *, user: User, pending: PendingLogin, response: HttpResponse | None = None
) -> HttpResponse:
    """The second factor was accepted: finish the staged login."""
    clear_pending_login(request)
    if trust_step_enabled():  # MFA_TRUST_ENABLED: first ask whether to trust this browser
        return stage_trust_step(request, pending.serialize())
    return perform_login(
        request,
        user=user,
        redirect_url=pending.redirect_url,
        remember=pending.remember,
        response=response,
        sociallogin=restore_sociallogin(pending, user),
    )


def restore_sociallogin(pending: PendingLogin, user: User):
    """The social login a pending login came from (kept through the second step), or None."""
    if not pending.sociallogin:
        return None
    from accounts.socialaccount.sociallogin import SocialLogin

    return SocialLogin.restore(pending.sociallogin, user=user)


def perform_login(
    request: HttpRequest,
    *,
    user: User,
    redirect_url: str | None,
    remember: bool | None = None,
    sociallogin=None,
    response: HttpResponse | None = None,
) -> HttpResponse:
    """Log ``user`` in (rotating the session key), record the session, send ``user_logged_in``.

    ``remember=False`` makes the session end when the browser closes, and on the server
    after ``ACCOUNT_SESSION_NOT_REMEMBERED_LIFETIME``. A social login passes its
    ``sociallogin``, which ``user_logged_in`` then carries (as in allauth). ``response``: the
    response the caller will answer with (the JSON API's), sent as the signal's ``response``
    and returned; by default a redirect to ``redirect_url``. The browser gets its device
    cookie (its own failed-login budget) on that response. Afterwards the user's
    session records that cannot be live any more are dropped (one query, so the table stays
    bounded even without the periodic job) and the new-device notice goes out if due.
    """
    clear_pending_login(request)  # another user's half-done login ends with this one
    login_with_new_key(request, user, backend=BACKEND)
    if remember is False:
        mark_session_not_remembered(request)
    record_session(request, user)
    if not is_signup_login(request):  # a signup says its own welcome (flows.signup)
        announce_login(request, user=user)
    adapter = get_adapter(request)
    if response is None:
        response = HttpResponseRedirect(redirect_url or adapter.get_login_redirect_url(request))
    issue_device_cookie(request, response, user=user)
    extra = {"sociallogin": sociallogin} if sociallogin is not None else {}
    user_logged_in.send(
        sender=user.__class__, request=request, response=response, user=user, **extra
    )
    prune_ended_records(user)
    notify_if_new_device(request, user=user)
    return response
