"""Password reset by a mailed code (``ACCOUNT_PASSWORD_RESET_BY_CODE_*``), allauth's steps.

``/accounts/password/reset/`` mails a code (or, for an unknown address, the same "no
account" notice as the link flow) and sends the browser to ``account_confirm_password_reset_code``;
the right code there leads to ``account_complete_password_reset`` (new password, in that
browser only, within the code's timeout), then ``account_password_reset_completed``. Like the
link, the reset ends every session of the user and logs nobody in.

Signals: ``verification_code_sent``; ``password_reset_code_rejected`` (sender
``PasswordResetCodeProcess``, kwargs ``request, user, last_attempt``);
``verification_code_accepted``; ``password_reset`` (then ``sessions_ended``).
"""

from __future__ import annotations

import time

from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from accounts import app_settings, ratelimit
from accounts.adapter import get_adapter
from accounts.flows.code_verification import CodeProcess
from accounts.flows.password_reset import (
    TOO_MANY_REQUESTS,
    find_reset_recipients,
    reset_password,
)
from accounts.httpkit import absolute_url
from accounts.models import User
from accounts.signals import password_reset_code_rejected

CONFIRMED_SESSION_KEY = "account_password_reset_code_confirmed"


class PasswordResetCodeProcess(CodeProcess):
    """The sender of ``password_reset_code_rejected``."""

    purpose = "password_reset"
    session_key = "account_password_reset_code"
    mail_template = "account/email/password_reset_code"
    rejected_signal = password_reset_code_rejected

    @classmethod
    def timeout(cls) -> int:
        return app_settings.PASSWORD_RESET_BY_CODE_TIMEOUT

    @classmethod
    def max_attempts(cls) -> int:
        return app_settings.PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS


def is_enabled() -> bool:
    return app_settings.PASSWORD_RESET_BY_CODE_ENABLED


def request_password_reset_code(request: HttpRequest, *, email: str) -> None:
    """Mail a reset code to the account using ``email`` (verified addresses first), or the
    "no account" notice; budgeted per IP and address first (``reset_password``), exactly
    like the link flow, and answered the same either way."""
    if not ratelimit.consume(request, "reset_password", key=email.lower()):
        recipients = find_reset_recipients(email)
        account = recipients[0][0] if recipients else None
        ratelimit.refuse(request, "reset_password", user=account, message=TOO_MANY_REQUESTS)
    recipients = find_reset_recipients(email)
    request.session.pop(CONFIRMED_SESSION_KEY, None)
    if recipients:
        user, address = recipients[0]
        PasswordResetCodeProcess.issue(request, user=user, email=address)
        return
    PasswordResetCodeProcess.issue(request, user=None, email=email)
    context = {
        "email": email,
        "signup_url": absolute_url(request, reverse("account_signup")),
        "password_reset_url": absolute_url(request, reverse("account_reset_password")),
    }
    get_adapter(request).send_mail("account/email/unknown_account", email, context, request)


def confirm_password_reset_code(request: HttpRequest, *, code: str) -> None:
    """Check the typed code; when right, this browser may set a new password (until the
    code's timeout, and only while the password is unchanged). Raises ``FlowError`` or
    ``RateLimited`` as ``CodeProcess.verify`` does."""
    row = PasswordResetCodeProcess.verify(request, code=code)
    user = row.user
    request.session[CONFIRMED_SESSION_KEY] = {
        "user_id": user.pk,
        "auth_hash": user.get_session_auth_hash(),
        "until": row.expires_at.timestamp(),
    }


def get_confirmed_user(request: HttpRequest) -> User | None:
    """The user this browser confirmed a reset code for, if still valid."""
    data = request.session.get(CONFIRMED_SESSION_KEY)
    if not isinstance(data, dict) or time.time() > float(data.get("until") or 0):
        request.session.pop(CONFIRMED_SESSION_KEY, None)
        return None
    user = User.objects.filter(pk=data.get("user_id"), is_active=True).first()
    if user is None or not constant_time_compare(
        str(data.get("auth_hash")), user.get_session_auth_hash()
    ):
        request.session.pop(CONFIRMED_SESSION_KEY, None)
        return None
    return user


def complete_password_reset(request: HttpRequest, *, user: User, password: str) -> None:
    """Set the new password (``password_reset``, every session ended); forget the code."""
    request.session.pop(CONFIRMED_SESSION_KEY, None)
    reset_password(request, user=user, password=password)
