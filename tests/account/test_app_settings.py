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
    ("MFA_TOTP_TOLERANCE", 2, "between 0 and 1"),
    ("MFA_TOTP_TOLERANCE", -1, "between 0 and 1"),
    ("MFA_RECOVERY_CODES_ITERATIONS", 0, "at least 1"),
    ("MFA_WEBAUTHN_USER_VERIFICATION", "always", "one of 'required', 'preferred', 'discouraged'"),
    ("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", 1, "True or False"),
    ("MFA_ADAPTER", "accounts.adapter.DefaultAccountAdapter", "subclass of DefaultMFAAdapter"),
    ("MFA_FORMS", {"login": "accounts.mfa.base.forms.CodeForm"}, "unknown form"),
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
