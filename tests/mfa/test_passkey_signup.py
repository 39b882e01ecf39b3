"""Passkey signup (MFA_PASSKEY_SIGNUP_ENABLED) and the MFA feature switches, over HTTP with a
software authenticator."""

from unittest import mock

import pytest
from django.core import mail

from accounts import signals
from accounts.mfa.checks import check_mfa_settings
from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress, User
from activity.models import LoginLog
from tests.helpers.codes import last_code, wrong_code
from tests.helpers.factories import UserFactory
from tests.helpers.webauthn import HttpsClient, options_in, post_credential
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/passkey/"
CODE_URL = "/accounts/confirm-email/"
CREATE_URL = "/accounts/2fa/webauthn/signup/"


@pytest.fixture
def passkey_signup(settings):
    settings.MFA_PASSKEY_SIGNUP_ENABLED = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
    return settings


@pytest.fixture
def browser():
    return HttpsClient()


def start(browser, username="pia", email="pia@example.com"):
    response = browser.post(SIGNUP_URL, {"username": username, "email": email})
    assert response.status_code == 302 and response["Location"] == CODE_URL
    return response


def test_off_by_default(browser):
    assert browser.get(SIGNUP_URL).status_code == 404
    assert browser.get(CREATE_URL).status_code == 404
    assert SIGNUP_URL not in browser.get("/accounts/signup/").content.decode()


def test_signup_with_a_passkey(browser, passkey_signup, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    added = signal_catcher(signals.authenticator_added)
    step = signal_catcher(signals.authentication_step_completed)
    logged_in = signal_catcher(signals.user_logged_in)
    assert SIGNUP_URL in browser.get("/accounts/signup/").content.decode()

    start(browser)
    pia = User.objects.get(username="pia")
    assert not pia.has_usable_password()
    signed_up.assert_called_once()
    assert browser.get(CREATE_URL)["Location"] == SIGNUP_URL  # not before the code

    response = browser.post(CODE_URL, {"code": last_code("pia@example.com")})
    assert response["Location"] == CREATE_URL
    assert EmailAddress.objects.get(user=pia).verified
    logged_in.assert_not_called()

    soft = SoftAuthenticator()
    options = options_in(browser.get(CREATE_URL))
    response = post_credential(
        browser, CREATE_URL, soft.create(options["passkey"]), name="My phone"
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert int(browser.session["_auth_user_id"]) == pia.pk
    key = Authenticator.objects.get(user=pia)
    assert key.type == "webauthn" and key.data["passwordless"] is True
    added.assert_called_once_with(
        signal=signals.authenticator_added,
        sender=Authenticator,
        request=mock.ANY,
        user=pia,
        authenticator=key,
    )
    assert step.call_args.kwargs == {
        "signal": signals.authentication_step_completed,
        "sender": User,
        "request": mock.ANY,
        "user": pia,
        "method": "webauthn",
        "type": "webauthn",
        "id": key.pk,
        "passwordless": True,
    }
    logged_in.assert_called_once()
    assert LoginLog.objects.get(event="login", user=pia).method == LoginLog.Method.PASSKEY
    assert browser.get(CREATE_URL)["Location"] == SIGNUP_URL  # once

    # Sign out, then in with the passkey alone.
    browser.post("/accounts/logout/")
    options = options_in(browser.get("/accounts/2fa/webauthn/login/"))
    response = post_credential(browser, "/accounts/2fa/webauthn/login/", soft.get(options))
    assert response["Location"] == "/" and int(browser.session["_auth_user_id"]) == pia.pk


def test_a_passkey_without_user_verification_is_refused(browser, passkey_signup):
    start(browser)
    browser.post(CODE_URL, {"code": last_code("pia@example.com")})
    options = options_in(browser.get(CREATE_URL))
    response = post_credential(
        browser, CREATE_URL, SoftAuthenticator().create(options["passkey"], uv=False), name="Key"
    )
    assert response.status_code == 200 and "_auth_user_id" not in browser.session
    assert not Authenticator.objects.exists()


def test_wrong_codes_never_reach_the_passkey_step(browser, passkey_signup, signal_catcher):
    rejected = signal_catcher(signals.email_verification_code_rejected)
    start(browser)
    code = last_code("pia@example.com")
    for _ in range(3):
        browser.post(CODE_URL, {"code": wrong_code(code)})
    assert [c.kwargs["last_attempt"] for c in rejected.call_args_list] == [False, False, True]
    assert browser.post(CODE_URL, {"code": code})["Location"] == "/accounts/login/"
    assert browser.get(CREATE_URL)["Location"] == SIGNUP_URL


def test_taken_address_reads_the_same(browser, passkey_signup):
    UserFactory(username="owner", email="pia@example.com")
    start(browser)
    assert not User.objects.filter(username="pia").exists()
    assert 'name="code"' in browser.get(CODE_URL).content.decode()
    assert "already" in mail.outbox[-1].body.lower()


def test_another_browser_cannot_make_the_passkey(browser, passkey_signup):
    start(browser)
    browser.post(CODE_URL, {"code": last_code("pia@example.com")})
    other = HttpsClient()
    assert other.get(CREATE_URL)["Location"] == SIGNUP_URL


@pytest.mark.parametrize(
    "overrides",
    [
        {"ACCOUNT_EMAIL_VERIFICATION": "optional"},
        {"ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED": False},
        {"MFA_SUPPORTED_TYPES": ["totp", "recovery_codes"]},
    ],
)
def test_startup_check_requires_mandatory_verification_by_code(passkey_signup, overrides):
    assert check_mfa_settings() == []
    for name, value in overrides.items():
        setattr(passkey_signup, name, value)
    assert [e.id for e in check_mfa_settings()] == ["mfa.E004"]


# --- MFA_PASSKEY_LOGIN_ENABLED and MFA_SUPPORTED_TYPES ----------------------------------------


def test_passkey_login_switch(client, settings):
    assert "/accounts/2fa/webauthn/login/" in client.get("/accounts/login/").content.decode()
    settings.MFA_PASSKEY_LOGIN_ENABLED = False
    assert "/accounts/2fa/webauthn/login/" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/2fa/webauthn/login/").status_code == 404


@pytest.mark.parametrize(
    "off,urls,testid",
    [
        ("totp", ["/accounts/2fa/totp/activate/"], "mfa-totp"),
        ("webauthn", ["/accounts/2fa/webauthn/", "/accounts/2fa/webauthn/add/"], "mfa-webauthn"),
        ("recovery_codes", ["/accounts/2fa/recovery-codes/"], "mfa-recovery-codes"),
    ],
)
def test_supported_types_switch(auth_client, settings, off, urls, testid):
    assert f'data-testid="{testid}"' in auth_client.get("/accounts/2fa/").content.decode()
    settings.MFA_SUPPORTED_TYPES = [t for t in ("totp", "webauthn", "recovery_codes") if t != off]
    assert f'data-testid="{testid}"' not in auth_client.get("/accounts/2fa/").content.decode()
    for url in urls:
        assert auth_client.get(url).status_code == 404


def test_bad_supported_types_reported(settings):
    settings.MFA_SUPPORTED_TYPES = ["sms"]
    assert [e.obj for e in check_mfa_settings()] == ["MFA_SUPPORTED_TYPES"]


def test_login_code_required_after_a_passkey_login(browser, settings, user, signal_catcher):
    from tests.helpers.webauthn import make_key

    settings.ACCOUNT_LOGIN_BY_CODE_REQUIRED = {"mfa"}
    logged_in = signal_catcher(signals.user_logged_in)
    soft = SoftAuthenticator()
    make_key(user, soft)
    options = options_in(browser.get("/accounts/2fa/webauthn/login/"))
    response = post_credential(browser, "/accounts/2fa/webauthn/login/", soft.get(options))
    assert response["Location"] == "/accounts/login/code/confirm/"
    logged_in.assert_not_called()
    response = browser.post(
        "/accounts/login/code/confirm/", {"code": last_code("alice@example.com")}
    )
    assert response["Location"] == "/"  # the passkey was the factor: not asked again
    logged_in.assert_called_once()
