"""Login by a code mailed to the account's address (allauth's "login by code").

``request_login_code`` (``/accounts/login/code/``) mails a code and sends the browser to
``/accounts/login/code/confirm/``; ``confirm_login_code`` checks what was typed there and
completes the login (or asks for the second factor first). An address without an account gets
the same pages and answers (it is mailed a notice instead of a code), so nothing tells whether
an account exists. With ``ACCOUNT_LOGIN_BY_CODE_REQUIRED`` the password step ends by mailing a
code too (``require_login_code``), and confirming it continues that login.

Signals: ``verification_code_sent``; ``login_code_rejected`` (sender
``LoginCodeVerificationProcess``, kwargs ``request, user, last_attempt``);
``verification_code_accepted``, then ``authentication_step_completed(method="code",
email=...)``; ``user_logged_in`` once every step is done (through ``perform_login``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import ratelimit
from accounts.adapter import get_adapter
from accounts.authentication import record_authentication
from accounts.exceptions import FlowError
from accounts.flows.code_verification import CODE_EXPIRED
from accounts.flows.login import perform_login, stage_pending_login
from accounts.flows.login_code import LoginCodeVerificationProcess, find_user_for_code
from accounts.httpkit import absolute_url
from accounts.mfa.utils import has_second_factor
from accounts.models import EmailAddress, User
from accounts.signals import authentication_step_completed

TOO_MANY_REQUESTS = _("Too many codes were asked for. Wait a few minutes, then try again.")


def request_login_code(request: HttpRequest, *, email: str, redirect_url: str | None) -> None:
    """Mail a login code to ``email`` (or, with no account there, a notice), and remember
    the pending login in this browser's session.

    Budgeted per IP and per address (``request_login_code``) before anything is looked up.
    """
    ratelimit.consume_or_raise(
        request, "request_login_code", key=email.lower(), message=TOO_MANY_REQUESTS
    )
    user = find_user_for_code(email)
    state = {"redirect_url": redirect_url, "remember": None, "initiated_by_user": True}
    LoginCodeVerificationProcess.issue(request, user=user, email=email, state=state)
    if user is None:
        get_adapter(request).send_mail(
            "account/email/unknown_account_login_code",
            email,
            {"email": email, "signup_url": absolute_url(request, reverse("account_signup"))},
            request=request,
        )


def confirm_login_code(request: HttpRequest, *, code: str) -> HttpResponse:
    """Check the typed code; when right, go on with the login: the second factor if the user
    has one, else log in (``user_logged_in``).

    Raises ``FlowError`` (``incorrect_code``: try again; ``too_many_attempts`` or
    ``code_expired``: the pending code is void) or ``RateLimited``.
    """
    state = LoginCodeVerificationProcess.state(request)
    row = LoginCodeVerificationProcess.verify(request, code=code)
    user = row.user
    if user is None or not user.is_active:
        raise FlowError(CODE_EXPIRED, code="code_expired", status=400)
    record_authentication(request, method="code", email=row.email)
    authentication_step_completed.send(
        sender=user.__class__, request=request, user=user, method="code", email=row.email
    )
    _verify_address(user, row.email)
    redirect_url = state.get("redirect_url")
    remember = state.get("remember")
    if has_second_factor(user) and not state.get("factor_passed"):
        return stage_pending_login(request, user=user, redirect_url=redirect_url, remember=remember)
    return perform_login(request, user=user, redirect_url=redirect_url, remember=remember)


def _verify_address(user: User, email: str) -> None:
    """The code reached ``email``: that proves the address, as allauth counts it."""
    matching = EmailAddress.objects.matching(email)
    if not matching.filter(verified=True).exists():
        matching.filter(user=user).update(verified=True)
