"""Confirming an address with the mailed code (``ACCOUNT_EMAIL_VERIFICATION_BY_CODE_*``).

Signals: ``email_verification_code_rejected`` (sender ``EmailVerificationCodeProcess``,
kwargs ``request, user, last_attempt``); ``verification_code_accepted`` then
``email_confirmed``; and, when the code ends a signup or a login stopped for verification in
the browser that asked, ``user_logged_in`` (after the second factor, if any).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.adapter import get_adapter
from accounts.exceptions import FlowError
from accounts.flows.code_verification import CODE_EXPIRED
from accounts.flows.email_code import EmailVerificationCodeProcess
from accounts.flows.login import perform_login, stage_pending_login
from accounts.flows.manage_email import TAKEN_MESSAGE, Verification, verify_address
from accounts.flows.signup_by_passkey import passkey_step_after_verification
from accounts.mfa.utils import has_second_factor
from accounts.models import EmailAddress


def confirm_email_verification_code(request: HttpRequest, *, code: str) -> HttpResponse:
    """Check the typed code and verify the address it was mailed to.

    Raises ``FlowError`` (``incorrect_code``: try again; ``too_many_attempts`` /
    ``code_expired``: the code is void) or ``RateLimited``.
    """
    state = EmailVerificationCodeProcess.state(request)
    row = EmailVerificationCodeProcess.verify(request, code=code)
    address = EmailAddress.objects.filter(
        pk=state.get("address_id"), user_id=row.user_id, email=row.email
    ).first()
    if row.user is None or address is None:
        raise FlowError(CODE_EXPIRED, code="code_expired", status=400)
    result = verify_address(request, email_address=address)
    adapter = get_adapter(request)
    if result == Verification.TAKEN:
        raise FlowError(TAKEN_MESSAGE % {"email": address.email}, code="taken", status=409)
    adapter.add_message(
        request, messages.SUCCESS, _("You have confirmed %(email)s.") % {"email": address.email}
    )
    user = row.user
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("account_email"))
    if not state.get("login") or not user.is_active:
        return HttpResponseRedirect(reverse("account_login"))
    passkey_step = passkey_step_after_verification(request, user)
    if passkey_step is not None:  # a passkey signup: the passkey comes before the login
        return passkey_step
    if has_second_factor(user):
        return stage_pending_login(request, user=user, redirect_url=None, remember=None)
    return perform_login(request, user=user, redirect_url=None)
