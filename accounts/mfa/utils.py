"""Questions about a user's second factors, asked by the account core and the mfa app."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.exceptions import FlowError
from accounts.mfa import app_settings
from accounts.mfa.adapter import get_adapter
from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress

UNVERIFIED_EMAIL_MESSAGE = _(
    "You cannot turn on two-factor authentication until every email address of yours is "
    "verified. Confirm them (or remove the ones you do not use) on the email page first."
)


def get_authenticator(user, type_: str) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, type=type_).first()


def has_second_factor(user) -> bool:
    """A TOTP app or a security key (recovery codes alone are not a factor)."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def has_code_factor(user) -> bool:
    """True when the user can type a code: a TOTP app or recovery codes."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).exists()


def keys_of(user):
    """The user's security keys and passkeys, oldest first."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).order_by(
        "created_at", "pk"
    )


def unverified_email_blocks_mfa(user) -> bool:
    """True when ``user`` has an unverified address and ``MFA_ALLOW_UNVERIFIED_EMAIL`` is off.

    Never for a user who *must* have a second factor (``MFA_REQUIRED``, the MFA adapter):
    the site holds them on the setup pages, so refusing the setup would lock them out.
    """
    if app_settings.ALLOW_UNVERIFIED_EMAIL or get_adapter().is_mfa_required(user):
        return False
    return EmailAddress.objects.filter(user=user, verified=False).exists()


def validate_can_add_authenticator(user) -> None:
    """Raise ``FlowError("unverified_email")`` when ``user`` may not add a second factor."""
    if unverified_email_blocks_mfa(user):
        raise FlowError(UNVERIFIED_EMAIL_MESSAGE, code="unverified_email")
