"""Email verification by a mailed code (``ACCOUNT_EMAIL_VERIFICATION_BY_CODE_*``): issuing.

With the setting on, every verification mail (signup, adding an address, resending, login
in mandatory mode) carries a code instead of a link, typed at ``/accounts/confirm-email/``
(``account_email_verification_sent``) in the browser that asked. Confirming it is
``accounts.flows.email_verification_by_code``; this module only issues codes, so the mail
flows can call it without importing the login flows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts import app_settings
from accounts.flows.code_verification import CodeProcess
from accounts.models import EmailAddress
from accounts.signals import email_confirmation_sent, email_verification_code_rejected


class EmailVerificationCodeProcess(CodeProcess):
    """The sender of ``email_verification_code_rejected``."""

    purpose = "email_verification"
    session_key = "account_email_verification_code"
    mail_template = "account/email/email_verification_code"
    rejected_signal = email_verification_code_rejected

    @classmethod
    def timeout(cls) -> int:
        return app_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT

    @classmethod
    def max_attempts(cls) -> int:
        return app_settings.EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS

    @classmethod
    def max_resends(cls) -> int:
        return 2 if app_settings.EMAIL_VERIFICATION_SUPPORTS_RESEND else 0


def is_enabled() -> bool:
    return app_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED


@dataclass
class CodeConfirmation:
    """What ``email_confirmation_sent`` carries for a code (as allauth passes its process):
    the address, never the code."""

    email_address: EmailAddress


def send_verification_code(
    request: HttpRequest, *, email_address: EmailAddress, signup: bool
) -> None:
    """Mail a code for ``email_address``; an anonymous browser (signup, or a login stopped
    for verification) is logged in once the code is typed, as allauth's stage does.

    Sends ``email_confirmation_sent`` (sender ``CodeConfirmation``) like a mailed link."""
    user = getattr(request, "user", None)
    anonymous = user is None or not user.is_authenticated
    EmailVerificationCodeProcess.issue(
        request,
        user=email_address.user,
        email=email_address.email,
        state={"address_id": email_address.pk, "login": anonymous},
        mail_context={"signup": signup},
    )
    email_confirmation_sent.send(
        sender=CodeConfirmation,
        request=request,
        confirmation=CodeConfirmation(email_address),
        signup=signup,
    )


def pretend_verification_code(request: HttpRequest, *, email: str) -> None:
    """The address is someone else's: the same code page, with a code nobody has."""
    if is_enabled():
        EmailVerificationCodeProcess.issue(request, user=None, email=email, state={"login": False})


def redirect_to_code_entry(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """After a verification mail went out from the email page: the code page, when a code
    is pending in this browser; else ``response`` unchanged."""
    if (
        is_enabled()
        and response.status_code == 302
        and EmailVerificationCodeProcess.pending(request) is not None
    ):
        return HttpResponseRedirect(reverse("account_email_verification_sent"))
    return response
