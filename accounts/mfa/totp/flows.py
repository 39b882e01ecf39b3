"""Turning the authenticator-app factor on and off."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.adapter import get_adapter as get_account_adapter
from accounts.authentication import record_authentication
from accounts.exceptions import FlowError
from accounts.mfa import crypto
from accounts.mfa.adapter import get_adapter
from accounts.mfa.base.flows import delete_and_cleanup
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes.flows import ensure_recovery_codes
from accounts.mfa.totp import auth as totp
from accounts.mfa.utils import get_authenticator, validate_can_add_authenticator
from accounts.models import User
from accounts.notifications import send_security_notice
from accounts.signals import authenticator_added

PENDING_TOTP_SECRET_SESSION_KEY = "mfa_totp_pending_secret"


def get_pending_totp_secret(request: HttpRequest) -> str:
    """The seed being enrolled in this session, made on first use (bound to the session).

    It stays the same across reloads until it is proven or the session ends, and is kept
    encrypted in the session like in the database.
    """
    adapter = get_adapter(request)
    stored = request.session.get(PENDING_TOTP_SECRET_SESSION_KEY)
    if stored:
        try:
            return adapter.decrypt(stored)
        except crypto.DecryptionError:
            pass
    secret = totp.generate_secret()
    request.session[PENDING_TOTP_SECRET_SESSION_KEY] = adapter.encrypt(secret)
    return secret


def activate_totp(
    request: HttpRequest, *, secret: str, last_step: int
) -> tuple[Authenticator, list[str] | None]:
    """The user proved the pending seed with the code of ``last_step``: store it.

    Also creates the recovery codes when this is the first second factor. Returns
    ``(authenticator, recovery_codes or None)``. Raises ``FlowError("already_active")``, or
    ``FlowError("unverified_email")`` while an address is unverified (``MFA_ALLOW_UNVERIFIED_EMAIL``).
    """
    user = request.user
    with transaction.atomic():
        # Lock the user row: two concurrent activations must not both pass the check.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            raise FlowError(_("Your authenticator app is already set up."), code="already_active")
        validate_can_add_authenticator(user)
        authenticator = Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.TOTP,
            data=totp.build_data(secret, last_step=last_step),
        )
        authenticator_added.send(
            sender=Authenticator, request=request, user=user, authenticator=authenticator
        )
        _recovery, codes = ensure_recovery_codes(request, user=user)
    request.session.pop(PENDING_TOTP_SECRET_SESSION_KEY, None)
    # The code just proved the factor: for the reauthentication window this counts as
    # having used it, so saving the new recovery codes does not ask for a code again.
    record_authentication(
        request,
        method=authenticator.type,
        type=authenticator.type,
        id=authenticator.pk,
        enrolled=True,
    )
    get_account_adapter(request).add_message(
        request, messages.SUCCESS, _("Two-factor authentication with an authenticator app is on.")
    )
    send_security_notice(request, user=user, notice="totp_activated")
    return authenticator, codes


def deactivate_totp(request: HttpRequest) -> list[Authenticator]:
    """Remove the TOTP factor, and the recovery codes if no other second factor is left."""
    authenticator = get_authenticator(request.user, Authenticator.Type.TOTP)
    if authenticator is None:
        return []
    authenticator.user = request.user
    removed = delete_and_cleanup(request, authenticator)
    get_account_adapter(request).add_message(
        request, messages.SUCCESS, _("Two-factor authentication with an authenticator app is off.")
    )
    send_security_notice(request, user=request.user, notice="totp_deactivated")
    return removed
