"""Every ``ACCOUNT_*`` setting of the account core: one property, one default, one type.

Read at call time (``from accounts import app_settings``; ``app_settings.EMAIL_VERIFICATION``),
so ``override_settings`` works; ``accounts/checks.py`` reports invalid values at start-up.
Names follow django-allauth where allauth has the setting, so its documentation applies.
"""

from __future__ import annotations

import enum

from accounts.internal.conf import AppSettingsBase
from accounts.internal.rates import parse_rates

# The budgets of every rate-limited action; ACCOUNT_RATE_LIMITS overrides them one by one.
DEFAULT_RATE_LIMITS = {
    # Any login attempt, and failed logins (per IP, and per resolved account).
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    # One verification mail per address per cooldown: the rate actually used is built from
    # ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN; this line documents the default.
    "confirm_email": "1/180s/key",
    "reauthenticate": "10/m/user",
    # Wrong second-factor codes and keys, per account whatever the client.
    "mfa_failed": "5/300s/key",
    # Passkey login attempts (each POST of an assertion), per client IP.
    "login_webauthn": "10/m/ip",
    # Mailed codes: asking for a login code (per IP, per address), and every typed code of
    # any purpose (per IP; each code also has its own ..._MAX_ATTEMPTS).
    "request_login_code": "20/m/ip,3/m/key",
    "verify_code": "20/m/ip",
}

# No inline script or style anywhere (JS lives in static/js/*.js), no plugins, no <base>, no
# framing, forms post only here.
DEFAULT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class EmailVerification(enum.StrEnum):
    """``none``: no mail; ``optional``: mailed, login allowed; ``mandatory``: no login until
    an address is verified."""

    NONE = "none"
    OPTIONAL = "optional"
    MANDATORY = "mandatory"


# The signup fields a site may ask for (``ACCOUNT_SIGNUP_FIELDS``; a trailing ``*`` makes
# one required, as in allauth).
SIGNUP_FIELD_NAMES = ("username", "email", "email2", "password1", "password2")
LOGIN_METHOD_NAMES = ("username", "email")


class AppSettings(AppSettingsBase):
    @property
    def ADAPTER(self) -> str:
        """Dotted path of the account adapter class (site policy hooks)."""
        return self._dotted_path("ADAPTER", "accounts.adapter.DefaultAccountAdapter")

    @property
    def FORMS(self) -> dict[str, str]:
        """Form classes to use instead of the defaults, by allauth's names (``"login"``,
        ``"signup"``, ``"add_email"``, ``"change_password"``, ``"set_password"``,
        ``"reset_password"``, ``"reset_password_from_key"``, ``"reauthenticate"``)."""
        return self._dict("FORMS", {})

    @property
    def SIGNUP_FIELDS(self) -> dict[str, dict[str, bool]]:
        """The signup form's fields in allauth's notation, ``{name: {"required": bool}}``.

        ``["email*", "password1*", "password2*"]`` makes email-only accounts; ``"username"``
        without a star makes the username optional; ``"email2"`` asks for the address twice.
        ``password1`` must be there and required (no password-less signup yet).
        """
        value = self._setting("SIGNUP_FIELDS", ["username*", "email*", "password1*", "password2*"])
        expected = (
            "a list of field names from "
            + ", ".join(SIGNUP_FIELD_NAMES)
            + ' (a trailing "*" makes one required), with "password1*"'
        )
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise self._fail("SIGNUP_FIELDS", value, expected)
        fields: dict[str, dict[str, bool]] = {}
        for item in value:
            if not isinstance(item, str):
                raise self._fail("SIGNUP_FIELDS", value, expected)
            name, required = item.removesuffix("*"), item.endswith("*")
            if name not in SIGNUP_FIELD_NAMES or name in fields:
                raise self._fail("SIGNUP_FIELDS", value, expected)
            fields[name] = {"required": required}
        if not fields.get("password1", {}).get("required"):
            raise self._fail("SIGNUP_FIELDS", value, expected)
        if "username" not in fields and "email" not in fields:
            raise self._fail("SIGNUP_FIELDS", value, expected + ', and "username" or "email"')
        for second, first in (("password2", "password1"), ("email2", "email")):
            if second in fields:
                fields[second]["required"] = fields[first]["required"] if first in fields else False
                if first not in fields:
                    raise self._fail("SIGNUP_FIELDS", value, f"{expected}; {second} needs {first}")
        return fields

    @property
    def LOGIN_METHODS(self) -> frozenset[str]:
        """What a user may type to log in: ``{"username"}``, ``{"email"}`` or both."""
        value = self._setting("LOGIN_METHODS", {"username", "email"})
        if (
            isinstance(value, str)
            or not isinstance(value, set | frozenset | list | tuple)
            or not value
            or any(method not in LOGIN_METHOD_NAMES for method in value)
        ):
            raise self._fail("LOGIN_METHODS", value, 'a non-empty set of "username", "email"')
        return frozenset(value)

    @property
    def SIGNUP_OPEN(self) -> bool:
        """Whether anyone may sign up. ``False`` closes signup (the "signup closed" page)
        except through an invitation link staff created in the admin. The adapter's
        ``is_open_for_signup`` reads it; override that hook for finer rules."""
        return self._bool("SIGNUP_OPEN", True)

    @property
    def SIGNUP_FORM_HONEYPOT_FIELD(self) -> str:
        """Name of a hidden signup field only bots fill in (allauth's setting; "" for none).
        A filled honeypot gets the usual "done" answer and nothing is created."""
        value = self._str("SIGNUP_FORM_HONEYPOT_FIELD", "")
        if value and (not value.isidentifier() or value in SIGNUP_FIELD_NAMES):
            raise self._fail(
                "SIGNUP_FORM_HONEYPOT_FIELD", value, "a field name not used by the form"
            )
        return value

    @property
    def INVITATION_EXPIRE_DAYS(self) -> int:
        """Days an invitation link created by staff stays usable."""
        return self._int("INVITATION_EXPIRE_DAYS", 7, minimum=1)

    @property
    def CHANGE_EMAIL(self) -> bool:
        """allauth's email-change mode: every user has exactly one address; a new one waits
        as pending and replaces the old once verified (``email_changed``)."""
        return self._bool("CHANGE_EMAIL", False)

    @property
    def EMAIL_NOTIFICATIONS(self) -> bool:
        """Whether users are mailed security notices (password, addresses, two-factor...)."""
        return self._bool("EMAIL_NOTIFICATIONS", True)

    @property
    def DELETION_GRACE_DAYS(self) -> int:
        """Days a deleted account waits (deactivated) before ``purge_deleted_accounts``
        removes it; signing in meanwhile can cancel. 0 purges at the next run."""
        return self._int("DELETION_GRACE_DAYS", 7, minimum=0)

    @property
    def RATE_LIMIT_ALLOWLIST(self) -> tuple:
        """Client addresses or networks (``"10.0.0.0/8"``) never rate-limited nor locked out."""
        import ipaddress

        value = self._strings("RATE_LIMIT_ALLOWLIST", ())
        try:
            return tuple(ipaddress.ip_network(item, strict=False) for item in value)
        except ValueError:
            raise self._fail(
                "RATE_LIMIT_ALLOWLIST", value, "a list of IP addresses or networks"
            ) from None

    @property
    def EMAIL_VERIFICATION(self) -> EmailVerification:
        return self._choice("EMAIL_VERIFICATION", EmailVerification.OPTIONAL, EmailVerification)

    @property
    def PREVENT_ENUMERATION(self) -> bool | str:
        """Whether pages may reveal that an address has an account (allauth's values).

        ``"strict"`` (the default): never; a signup with a held address goes through like any
        other (in ``mandatory`` mode nothing is created), the new account's copy stays
        unverified and the owner is told by mail. ``True``: the same in ``mandatory`` mode,
        but in ``optional``/``none`` modes the signup form says the address is taken.
        ``False``: the signup form always says so.
        """
        value = self._setting("PREVENT_ENUMERATION", "strict")
        if value is True or value is False or value == "strict":
            return value
        raise self._fail("PREVENT_ENUMERATION", value, 'True, False or "strict"')

    @property
    def EMAIL_CONFIRMATION_EXPIRE_DAYS(self) -> int:
        """Days an emailed confirmation link stays valid."""
        return self._int("EMAIL_CONFIRMATION_EXPIRE_DAYS", 3, minimum=1)

    @property
    def EMAIL_CONFIRMATION_COOLDOWN(self) -> int:
        """Seconds between two verification mails to one address (0: no limit)."""
        return self._int("EMAIL_CONFIRMATION_COOLDOWN", 180, minimum=0)

    @property
    def MAX_EMAIL_ADDRESSES(self) -> int:
        """How many addresses one account may have."""
        return self._int("MAX_EMAIL_ADDRESSES", 5, minimum=1)

    @property
    def ALLOW_REMOVING_LAST_EMAIL(self) -> bool:
        """May a user remove their only (primary) address? Their account then has none."""
        return self._bool("ALLOW_REMOVING_LAST_EMAIL", False)

    @property
    def REAUTHENTICATION_TIMEOUT(self) -> int:
        """Seconds a (re)authentication counts as recent for sensitive actions."""
        return self._int("REAUTHENTICATION_TIMEOUT", 300, minimum=1)

    @property
    def TRUSTED_PROXY_COUNT(self) -> int:
        """How many reverse proxies in front of the site append to X-Forwarded-For (0:
        ignore the header, as a client could forge it)."""
        return self._int("TRUSTED_PROXY_COUNT", 0, minimum=0)

    @property
    def SUSPICIOUS_LOGIN_FAILURES(self) -> int:
        """Failed attempts on an account before a right password that make the login look
        guessed: the user is told by mail and ``suspicious_activity`` is sent."""
        return self._int("SUSPICIOUS_LOGIN_FAILURES", 3, minimum=1)

    @property
    def ATTACK_WINDOW(self) -> int:
        """Seconds of the windows in which ``accounts.detection`` counts failed logins."""
        return self._int("ATTACK_WINDOW", 20 * 60, minimum=60)

    @property
    def ATTACK_ACCOUNTS_PER_SOURCE(self) -> int:
        """Distinct accounts failing from one IP (or one /24, /48 network) in a window that
        make it credential stuffing / password spraying."""
        return self._int("ATTACK_ACCOUNTS_PER_SOURCE", 10, minimum=2)

    @property
    def ATTACK_NETWORKS_PER_ACCOUNT(self) -> int:
        """Distinct networks (/24, /48) failing on one account in a window that make it a
        distributed attack on that account."""
        return self._int("ATTACK_NETWORKS_PER_ACCOUNT", 5, minimum=2)

    @property
    def ATTACK_MAIL_INTERVAL(self) -> int:
        """At most one staff alert mail per kind of attack in this many seconds."""
        return self._int("ATTACK_MAIL_INTERVAL", 60 * 60, minimum=60)

    @property
    def LOGOUT_CLEAR_SITE_DATA(self) -> str:
        """``Clear-Site-Data`` sent at logout ("" sends none)."""
        return self._str("LOGOUT_CLEAR_SITE_DATA", '"cache", "storage"')

    @property
    def MAX_KNOWN_DEVICES(self) -> int:
        """Devices remembered per user for the new-sign-in notice (least recent go first)."""
        return self._int("MAX_KNOWN_DEVICES", 50, minimum=1)

    # --- Codes by mail (allauth's settings) ------------------------------------------------

    @property
    def LOGIN_BY_CODE_ENABLED(self) -> bool:
        """Offer "mail me a sign-in code" (``/accounts/login/code/``)."""
        return self._bool("LOGIN_BY_CODE_ENABLED", False)

    @property
    def LOGIN_BY_CODE_TIMEOUT(self) -> int:
        """Seconds a login code stays valid."""
        return self._int("LOGIN_BY_CODE_TIMEOUT", 3 * 60, minimum=1)

    @property
    def LOGIN_BY_CODE_MAX_ATTEMPTS(self) -> int:
        """Wrong codes allowed per mailed code; the last one voids it."""
        return self._int("LOGIN_BY_CODE_MAX_ATTEMPTS", 3, minimum=1)

    @property
    def LOGIN_BY_CODE_SUPPORTS_RESEND(self) -> bool | int:
        """May the user ask for a new code? ``True`` allows 2 resends, a number that many."""
        value = self._setting("LOGIN_BY_CODE_SUPPORTS_RESEND", False)
        if not isinstance(value, (bool, int)) or (not isinstance(value, bool) and value < 0):
            raise self._fail("LOGIN_BY_CODE_SUPPORTS_RESEND", value, "True, False or a count")
        return value

    @property
    def LOGIN_BY_CODE_REQUIRED(self) -> bool | frozenset[str]:
        """Every login (``True``), or logins by these methods (``{"password", "mfa"}``), must
        also type a code mailed to the account's address."""
        value = self._setting("LOGIN_BY_CODE_REQUIRED", False)
        if isinstance(value, bool):
            return value
        allowed = {"password", "mfa", "socialaccount"}
        if isinstance(value, str) or not all(item in allowed for item in value):
            raise self._fail(
                "LOGIN_BY_CODE_REQUIRED", value, 'True, False or a set of "password", "mfa"'
            )
        return frozenset(value)

    @property
    def EMAIL_VERIFICATION_BY_CODE_ENABLED(self) -> bool:
        """Verify addresses with a mailed code typed on the site instead of a link."""
        return self._bool("EMAIL_VERIFICATION_BY_CODE_ENABLED", False)

    @property
    def EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS(self) -> int:
        return self._int("EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS", 3, minimum=1)

    @property
    def EMAIL_VERIFICATION_BY_CODE_TIMEOUT(self) -> int:
        return self._int("EMAIL_VERIFICATION_BY_CODE_TIMEOUT", 15 * 60, minimum=1)

    @property
    def EMAIL_VERIFICATION_SUPPORTS_RESEND(self) -> bool:
        """May a pending verification code be mailed again (allauth's setting; the API's
        ``auth/email/verify/resend``)? Two resends per code, as for login codes."""
        return self._bool("EMAIL_VERIFICATION_SUPPORTS_RESEND", False)

    @property
    def PASSWORD_RESET_BY_CODE_ENABLED(self) -> bool:
        """Reset passwords with a mailed code typed on the site instead of a link."""
        return self._bool("PASSWORD_RESET_BY_CODE_ENABLED", False)

    @property
    def PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS(self) -> int:
        return self._int("PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS", 3, minimum=1)

    @property
    def PASSWORD_RESET_BY_CODE_TIMEOUT(self) -> int:
        return self._int("PASSWORD_RESET_BY_CODE_TIMEOUT", 3 * 60, minimum=1)

    @property
    def RATE_LIMITS(self) -> dict[str, str]:
        """The budget of every action: the defaults, overridden per action by the setting.

        An action set to ``""`` (or ``None``) is not limited; ``False`` turns every limit
        off, as in allauth.
        """
        configured = self._setting("RATE_LIMITS", {})
        if configured is False:
            return {action: "" for action in DEFAULT_RATE_LIMITS}
        if configured is None:
            configured = {}
        if not isinstance(configured, dict):
            raise self._fail("RATE_LIMITS", configured, "a dict of rates, or False")
        merged = {**DEFAULT_RATE_LIMITS, "confirm_email": self._confirm_email_rate()}
        for action, spec in configured.items():
            try:
                parse_rates(spec or "")
            except (ValueError, AttributeError):
                raise self._fail(
                    "RATE_LIMITS", {action: spec}, 'rates like "10/m/ip,5/300s/key"'
                ) from None
            merged[action] = spec or ""
        return merged

    def _confirm_email_rate(self) -> str:
        cooldown = self.EMAIL_CONFIRMATION_COOLDOWN
        return f"1/{cooldown}s/key" if cooldown > 0 else ""

    @property
    def CONTENT_SECURITY_POLICY(self) -> str:
        """The ``Content-Security-Policy`` header of every response."""
        return self._str("CONTENT_SECURITY_POLICY", DEFAULT_CONTENT_SECURITY_POLICY)

    @property
    def RESERVED_USERNAMES(self) -> tuple[str, ...]:
        """Usernames nobody may take, in addition to the built-in list."""
        return self._strings("RESERVED_USERNAMES", ())

    @property
    def SESSION_IDLE_TIMEOUT(self) -> int:
        """Seconds without a request after which a logged-in session ends."""
        return self._int("SESSION_IDLE_TIMEOUT", 60 * 60 * 24 * 14, minimum=60)

    @property
    def SESSION_ABSOLUTE_LIFETIME(self) -> int:
        """Seconds after login at which a session ends however active (0: no limit)."""
        return self._int("SESSION_ABSOLUTE_LIFETIME", 60 * 60 * 24 * 30, minimum=0)

    @property
    def SESSION_NOT_REMEMBERED_LIFETIME(self) -> int:
        """Seconds after login at which a session started without "Remember me" ends on the
        server (its cookie already ends with the browser; this bounds a cookie that a
        browser restoring its tabs, or a thief, keeps alive)."""
        return self._int("SESSION_NOT_REMEMBERED_LIFETIME", 60 * 60 * 24, minimum=60)

    @property
    def SESSION_LAST_SEEN_INTERVAL(self) -> int:
        """How often, in seconds, "last seen" of a session record may be written."""
        return self._int("SESSION_LAST_SEEN_INTERVAL", 300, minimum=1)

    @property
    def SITE_NAME(self) -> str:
        """The site's name in mails, page titles and authenticator apps (``SITE_NAME``)."""
        from django.conf import settings

        return getattr(settings, "SITE_NAME", "") or "Account site"


_app_settings = AppSettings("ACCOUNT_")


def __getattr__(name: str):
    return getattr(_app_settings, name)
