"""Every enumerated or ranged setting: an invalid value is a ``manage.py check`` error that
names the setting and what is allowed; valid values pass; values are read at call time."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from accounts import app_settings
from accounts.app_settings import EmailVerification

INVALID = [
    ("ACCOUNT_EMAIL_VERIFICATION", "mandtory", "one of 'none', 'optional', 'mandatory'"),
    ("ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", 0, "at least 1"),
    ("ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN", -1, "at least 0"),
    ("ACCOUNT_MAX_EMAIL_ADDRESSES", 0, "at least 1"),
    ("ACCOUNT_MAX_EMAIL_ADDRESSES", "5", "a whole number"),
    ("ACCOUNT_ALLOW_REMOVING_LAST_EMAIL", "yes", "True or False"),
    ("ACCOUNT_REAUTHENTICATION_TIMEOUT", 0, "at least 1"),
    ("ACCOUNT_TRUSTED_PROXY_COUNT", -1, "at least 0"),
    ("ACCOUNT_SUSPICIOUS_LOGIN_FAILURES", 0, "at least 1"),
    ("ACCOUNT_MAX_KNOWN_DEVICES", 0, "at least 1"),
    ("ACCOUNT_SESSION_IDLE_TIMEOUT", 10, "at least 60"),
    ("ACCOUNT_SESSION_ABSOLUTE_LIFETIME", -5, "at least 0"),
    ("ACCOUNT_SESSION_LAST_SEEN_INTERVAL", 0, "at least 1"),
    ("ACCOUNT_RATE_LIMITS", {"login": "ten per minute"}, 'rates like "10/m/ip,5/300s/key"'),
    ("ACCOUNT_RATE_LIMITS", ["login"], "a dict of rates, or False"),
    ("ACCOUNT_RESERVED_USERNAMES", "admin", "a list of strings"),
    ("ACCOUNT_ADAPTER", "nodots", "a dotted path to a class"),
    ("ACCOUNT_ADAPTER", "tests.site_custom.NoSuchAdapter", "cannot import"),
    ("ACCOUNT_ADAPTER", "tests.site_custom.forms.NameSignupForm", "subclass of DefaultAccount"),
    ("ACCOUNT_FORMS", {"signin": "tests.site_custom.forms.NameSignupForm"}, "unknown form"),
    (
        "ACCOUNT_FORMS",
        {"signup": "tests.site_custom.adapter.ClosedAdapter"},
        "subclass of BaseForm",
    ),
    ("ACCOUNT_SIGNUP_FIELDS", ["email*", "password1"], 'with "password1*"'),
    ("ACCOUNT_LOGIN_METHODS", {"phone"}, 'a non-empty set of "username", "email"'),
    ("ACCOUNT_SIGNUP_OPEN", "no", "True or False"),
    ("ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD", "my field", "a field name not used by the form"),
    ("ACCOUNT_INVITATION_EXPIRE_DAYS", 0, "at least 1"),
    ("ACCOUNT_CHANGE_EMAIL", 1, "True or False"),
    ("ACCOUNT_EMAIL_NOTIFICATIONS", "off", "True or False"),
    ("ACCOUNT_DELETION_GRACE_DAYS", -1, "at least 0"),
    ("ACCOUNT_RATE_LIMIT_ALLOWLIST", ["10.0.0.300"], "a list of IP addresses or networks"),
    ("MFA_REQUIRED", "admins", "one of 'none', 'staff', 'all'"),
    ("MFA_TOTP_TOLERANCE", 2, "between 0 and 1"),
    ("MFA_TOTP_TOLERANCE", -1, "between 0 and 1"),
    ("MFA_RECOVERY_CODES_ITERATIONS", 0, "at least 1"),
    ("MFA_WEBAUTHN_USER_VERIFICATION", "always", "one of 'required', 'preferred', 'discouraged'"),
    ("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", 1, "True or False"),
    ("MFA_ADAPTER", "accounts.adapter.DefaultAccountAdapter", "subclass of DefaultMFAAdapter"),
    ("MFA_FORMS", {"login": "accounts.mfa.base.forms.CodeForm"}, "unknown form"),
    ("ACCOUNT_LOGIN_BY_CODE_ENABLED", "yes", "True or False"),
    ("ACCOUNT_LOGIN_BY_CODE_TIMEOUT", 0, "at least 1"),
    ("ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS", 0, "at least 1"),
    ("ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND", "twice", "True, False or a count"),
    ("ACCOUNT_LOGIN_BY_CODE_REQUIRED", {"sms"}, 'True, False or a set of "password"'),
    ("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED", 1, "True or False"),
    ("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS", 0, "at least 1"),
    ("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT", 0, "at least 1"),
    ("ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED", "on", "True or False"),
    ("ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS", 0, "at least 1"),
    ("ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT", 0, "at least 1"),
    ("MFA_TRUST_ENABLED", "yes", "True or False"),
    ("MFA_TRUST_COOKIE_AGE", 10, "at least 60 seconds"),
    ("MFA_SUPPORTED_TYPES", ["sms"], 'a list of "totp", "recovery_codes", "webauthn"'),
    ("MFA_PASSKEY_LOGIN_ENABLED", "yes", "True or False"),
    ("MFA_PASSKEY_SIGNUP_ENABLED", "yes", "True or False"),
    ("MFA_PASSKEY_SIGNUP_ENABLED", True, 'needs ACCOUNT_EMAIL_VERIFICATION = "mandatory"'),
    ("ACTIVITY_TRIAL_DAYS", 0, "at least 1"),
    ("ACTIVITY_TRIAL_ON_EMAIL_CONFIRMED", "on", "True or False"),
]


@pytest.mark.parametrize(("name", "value", "expected"), INVALID, ids=lambda v: str(v)[:30])
def test_an_invalid_value_is_a_check_error_naming_the_setting(name, value, expected):
    with override_settings(**{name: value}), pytest.raises(SystemCheckError) as raised:
        call_command("check")
    message = str(raised.value)
    assert name in message
    assert expected in message


def test_the_defaults_pass_every_check():
    call_command("check")  # raises SystemCheckError on any error


@override_settings(
    ACCOUNT_EMAIL_VERIFICATION="mandatory",
    ACCOUNT_RATE_LIMITS={"login": "3/m/ip", "signup": ""},
    MFA_TOTP_TOLERANCE=0,
    ACCOUNT_ADAPTER="tests.site_custom.adapter.ClosedAdapter",
    ACCOUNT_FORMS={"signup": "tests.site_custom.forms.NameSignupForm"},
)
def test_valid_values_pass():
    call_command("check")


def test_values_are_read_when_used_not_frozen_at_import():
    assert app_settings.EMAIL_VERIFICATION == EmailVerification.OPTIONAL
    with override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory"):
        assert app_settings.EMAIL_VERIFICATION == EmailVerification.MANDATORY
    assert app_settings.EMAIL_VERIFICATION == EmailVerification.OPTIONAL


def test_rate_limits_false_turns_every_limit_off_and_a_dict_overrides_one_action():
    with override_settings(ACCOUNT_RATE_LIMITS=False):
        assert set(app_settings.RATE_LIMITS.values()) == {""}
    with override_settings(ACCOUNT_RATE_LIMITS={"login": "3/m/ip"}):
        limits = app_settings.RATE_LIMITS
        assert limits["login"] == "3/m/ip"
        assert limits["login_failed"] == "10/m/ip,5/300s/key"  # the others keep their default


def test_the_confirmation_mail_rate_follows_the_cooldown():
    with override_settings(ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN=60):
        assert app_settings.RATE_LIMITS["confirm_email"] == "1/60s/key"
    with override_settings(ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN=0):
        assert app_settings.RATE_LIMITS["confirm_email"] == ""


def test_an_idle_timeout_beyond_the_cookie_age_is_a_warning(settings):
    settings.ACCOUNT_SESSION_IDLE_TIMEOUT = settings.SESSION_COOKIE_AGE + 1
    with pytest.raises(SystemCheckError, match=r"usersessions\.W001"):
        call_command("check", fail_level="WARNING")
