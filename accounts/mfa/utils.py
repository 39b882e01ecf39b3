"""Questions about a user's second factors, asked by the account core and the mfa app."""

from __future__ import annotations

from accounts.mfa.models import Authenticator


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
