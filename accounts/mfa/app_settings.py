"""Every ``MFA_*`` setting: one property, one default, one type (allauth's names)."""

from __future__ import annotations

import enum

from accounts.internal.conf import AppSettingsBase


class UserVerification(enum.StrEnum):
    REQUIRED = "required"
    PREFERRED = "preferred"
    DISCOURAGED = "discouraged"


class Required(enum.StrEnum):
    """Who must have a second factor: nobody, staff members, or every user."""

    NONE = "none"
    STAFF = "staff"
    ALL = "all"


class AppSettings(AppSettingsBase):
    @property
    def REQUIRED(self) -> Required:
        """``MFA_REQUIRED``: "none" (or None/False), "staff" or "all". A user who must have a
        second factor and has none reaches only the setup pages and sign-out until one is
        set up. ``DefaultMFAAdapter.is_mfa_required`` reads it; override that for per-user
        rules."""
        value = self._setting("REQUIRED", Required.NONE)
        if value is None or value is False:
            return Required.NONE
        if value is True:
            return Required.ALL
        return self._choice("REQUIRED", Required.NONE, Required)

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
    def ALLOW_UNVERIFIED_EMAIL(self) -> bool:
        """May a user with an unverified email address turn on a second factor? Off by
        default, as in allauth: an account must be reachable by mail at a proven address
        before a lost factor locks it."""
        return self._bool("ALLOW_UNVERIFIED_EMAIL", False)

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

    @property
    def SUPPORTED_TYPES(self) -> tuple[str, ...]:
        """The kinds of second factor offered (``"totp"``, ``"recovery_codes"``,
        ``"webauthn"``); a type left out loses its pages and buttons. All three by default
        (this site offered them all before the setting existed)."""
        value = self._strings("SUPPORTED_TYPES", ("totp", "recovery_codes", "webauthn"))
        allowed = {"totp", "recovery_codes", "webauthn"}
        if not set(value) <= allowed:
            raise self._fail(
                "SUPPORTED_TYPES", value, 'a list of "totp", "recovery_codes", "webauthn"'
            )
        return value

    @property
    def PASSKEY_LOGIN_ENABLED(self) -> bool:
        """Offer "sign in with a passkey" (``mfa_login_webauthn``). On by default: this site
        offered passkey login before the setting existed (allauth's default is off)."""
        return self._bool("PASSKEY_LOGIN_ENABLED", True)

    @property
    def PASSKEY_SIGNUP_ENABLED(self) -> bool:
        """Offer signing up with an email address and a passkey, no password
        (``account_signup_by_passkey``). Needs ``ACCOUNT_EMAIL_VERIFICATION = "mandatory"``
        with ``ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED``, checked at start-up."""
        return self._bool("PASSKEY_SIGNUP_ENABLED", False)

    @property
    def TRUST_ENABLED(self) -> bool:
        """After the second factor, offer to trust this browser: it then skips the second
        factor for that user until the cookie expires or the security setup changes."""
        return self._bool("TRUST_ENABLED", False)

    @property
    def TRUST_COOKIE_AGE(self) -> int:
        """Seconds a trusted browser stays trusted (a ``timedelta`` is accepted too)."""
        value = self._setting("TRUST_COOKIE_AGE", 14 * 24 * 60 * 60)
        if hasattr(value, "total_seconds"):
            value = int(value.total_seconds())
        if isinstance(value, bool) or not isinstance(value, int) or value < 60:
            raise self._fail("TRUST_COOKIE_AGE", value, "at least 60 seconds")
        return value

    @property
    def TRUST_COOKIE_NAME(self) -> str:
        return self._str("TRUST_COOKIE_NAME", "mfa_trusted") or "mfa_trusted"


_app_settings = AppSettings("MFA_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
