"""The pending login code of a browser, and the "code required after the password" step.

Kept apart from ``login_by_code`` (the pages' flows) so the password step in ``login`` can
require a code without importing the flows that finish a login (no import cycle).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts import app_settings
from accounts.flows.code_verification import CodeProcess
from accounts.models import EmailAddress, User
from accounts.signals import login_code_rejected


class LoginCodeVerificationProcess(CodeProcess):
    """The sender of ``login_code_rejected`` (allauth's class name)."""

    purpose = "login"
    session_key = "account_login_code"
    mail_template = "account/email/login_code"
    rejected_signal = login_code_rejected

    @classmethod
    def timeout(cls) -> int:
        return app_settings.LOGIN_BY_CODE_TIMEOUT

    @classmethod
    def max_attempts(cls) -> int:
        return app_settings.LOGIN_BY_CODE_MAX_ATTEMPTS

    @classmethod
    def max_resends(cls) -> int:
        value = app_settings.LOGIN_BY_CODE_SUPPORTS_RESEND  # True means 2, as in allauth
        return (2 if value else 0) if isinstance(value, bool) else value


def is_reachable() -> bool:
    """Any code login at all: asked for by the user, or required after the password."""
    return app_settings.LOGIN_BY_CODE_ENABLED or bool(app_settings.LOGIN_BY_CODE_REQUIRED)


def find_user_for_code(email: str) -> User | None:
    """The active account a login code for ``email`` goes to: a verified address first."""
    address = (
        EmailAddress.objects.matching(email)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("-verified", "-primary", "pk")
        .first()
    )
    return address.user if address is not None else None


def login_code_required(method: str) -> bool:
    required = app_settings.LOGIN_BY_CODE_REQUIRED
    return required is True or (isinstance(required, frozenset) and method in required)


def require_login_code(
    request: HttpRequest,
    *,
    user: User,
    redirect_url: str | None,
    remember: bool | None,
    method: str = "password",
) -> HttpResponse | None:
    """``ACCOUNT_LOGIN_BY_CODE_REQUIRED``: mail a code to the user's primary address and ask
    for it; ``None`` when no code is required (or the user has no address to mail).

    ``method`` is how the login got this far: ``"password"``, or ``"mfa"`` for a passkey
    login, whose factor is then already passed (the code completes the login)."""
    if not login_code_required(method):
        return None
    address = user.emailaddress_set.order_by("-primary", "-verified", "pk").first()
    if address is None:
        return None
    state = {
        "redirect_url": redirect_url,
        "remember": remember,
        "initiated_by_user": False,
        "factor_passed": method == "mfa",
    }
    LoginCodeVerificationProcess.issue(request, user=user, email=address.email, state=state)
    return HttpResponseRedirect(reverse("account_confirm_login_code"))
