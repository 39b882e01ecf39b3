"""Every ``MFA_*`` setting: one property, one default, one type (allauth's names)."""

from __future__ import annotations

import enum

from accounts.internal.conf import AppSettingsBase


class UserVerification(enum.StrEnum):
    REQUIRED = "required"
    PREFERRED = "preferred"
    DISCOURAGED = "discouraged"


class AppSettings(AppSettingsBase):
    @property
    def ADAPTER(self) -> str:
        """Dotted path of the MFA adapter class (secrets at rest, TOTP labels)."""
        return self._dotted_path("ADAPTER", "accounts.mfa.adapter.DefaultMFAAdapter")

    @property
    def FORMS(self) -> dict[str, str]:
        """Form classes to use instead of the defaults: ``"authenticate"``,
        ``"reauthenticate"``, ``"activate_totp"``, ``"add_webauthn"``."""
        return self._dict("FORMS", {})

    @property
    def ENCRYPTION_KEY(self) -> str:
        """Keys encrypting TOTP seeds and recovery-code keys at rest, comma-separated (the
        first encrypts, all decrypt); empty derives one from ``SECRET_KEY``."""
        return self._str("ENCRYPTION_KEY", "")

    @property
    def TOTP_TOLERANCE(self) -> int:
        """Time steps accepted before and after the current one: 0 or 1."""
        return self._int("TOTP_TOLERANCE", 1, minimum=0, maximum=1)

    @property
    def TOTP_ISSUER(self) -> str:
        """The issuer shown in authenticator apps; empty means ``SITE_NAME``."""
        return self._str("TOTP_ISSUER", "")

    @property
    def RECOVERY_CODES_ITERATIONS(self) -> int:
        """PBKDF2 iterations of recovery codes made before keyed hashes: no longer used for
        new sets (see accounts/mfa/recovery_codes/auth.py); kept so settings stay valid."""
        return self._int("RECOVERY_CODES_ITERATIONS", 100_000, minimum=1)

    @property
    def WEBAUTHN_RP_ID(self) -> str:
        """The WebAuthn relying party id (your domain); empty means the request's host."""
        return self._str("WEBAUTHN_RP_ID", "")

    @property
    def WEBAUTHN_RP_NAME(self) -> str:
        """The relying party name shown by browsers; empty means ``SITE_NAME``."""
        return self._str("WEBAUTHN_RP_NAME", "")

    @property
    def WEBAUTHN_USER_VERIFICATION(self) -> UserVerification:
        """User verification asked of a key used as a second factor (passkey login always
        requires it)."""
        return self._choice(
            "WEBAUTHN_USER_VERIFICATION", UserVerification.PREFERRED, UserVerification
        )

    @property
    def WEBAUTHN_ALLOW_INSECURE_ORIGIN(self) -> bool:
        """Accept plain-http origins other than localhost: local development only, and
        ignored unless ``DEBUG`` is on."""
        return self._bool("WEBAUTHN_ALLOW_INSECURE_ORIGIN", False)


_app_settings = AppSettings("MFA_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
