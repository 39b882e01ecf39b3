"""Second factors over HTTP: adding and removing them (SecurityLog), using them at login, at
reauthentication and with a passkey (LoginLog method, MFALog), failures and clones.

WebAuthn runs with the software authenticator of tests/webauthn_soft.py over https, as in
tests/mfa/test_webauthn.py. Each test compares the full list of rows written.
"""

import pytest
from django.test import Client

from accounts.mfa.models import Authenticator
from activity.models import LoginLog, MFALog, SecurityLog
from tests.helpers.audit import BROWSER, FROM_BROWSER
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.mfa import (
    T0,
    add_recovery_codes,
    add_totp,
    code_at,
    mfa_login,
    read_secret,
    send_code,
    shown_codes,
    start_login,
)
from tests.helpers.webauthn import HttpsClient, make_key, options_in, post_credential
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
DEACTIVATE = "/accounts/2fa/totp/deactivate/"
CODE_REAUTH = "/accounts/2fa/reauthenticate/"
SECOND_STEP = "/accounts/2fa/authenticate/"
KEY_ADD = "/accounts/2fa/webauthn/add/"
KEY_REAUTH = "/accounts/2fa/webauthn/reauthenticate/"
PASSKEY_LOGIN = "/accounts/2fa/webauthn/login/"


@pytest.fixture
def alice(clock, user):
    """alice, logged in with her password (no second factor yet) from a known browser."""
    return login_client(Client(**BROWSER), user)


@pytest.fixture
def mfa_alice(clock, user):
    """alice with TOTP and recovery codes, logged in with both ten minutes ago."""
    totp_auth, secret = add_totp(user)
    codes_auth, codes = add_recovery_codes(user)
    client = Client(**BROWSER)
    mfa_login(client, user, code_at(secret, T0))
    clock.shift(10 * 60)
    return client, totp_auth, secret, codes_auth, codes


@pytest.fixture
def key_alice(user):
    """alice, logged in with her password over https just before her key was stored."""
    client = login_client(HttpsClient(**BROWSER), user)
    soft = SoftAuthenticator()
    return client, soft, make_key(user, soft, sign_count=3, passwordless=False)


def wrong_code(secret, at):
    return "000000" if code_at(secret, at) != "000000" else "111111"


def authenticator_row(audit, event, user, authenticator_id, type_):
    return audit.one(
        SecurityLog,
        event,
        user=user,
        actor=user,
        extra={"authenticator_id": authenticator_id, "type": type_},
        **FROM_BROWSER,
    )


def mfa_row(audit, user, **fields):
    """The one MFALog row written, with the browser's IP and agent."""
    return audit.assert_one(MFALog, user=user, username=user.username, **FROM_BROWSER, **fields)


# --- Adding, resetting and removing factors (SecurityLog) -------------------------------------


def test_activating_totp_logs_totp_and_recovery_codes_added(alice, user, audit):
    secret = read_secret(alice.get(ACTIVATE))
    audit.mark()

    response = alice.post(ACTIVATE, {"code": code_at(secret, T0)})

    assert response.status_code == 200
    assert audit.events() == [
        ("SecurityLog", "totp_added"),
        ("SecurityLog", "recovery_codes_added"),
    ]
    totp_auth = Authenticator.objects.get(user=user, type="totp")
    codes_auth = Authenticator.objects.get(user=user, type="recovery_codes")
    row = authenticator_row(audit, "totp_added", user, totp_auth.pk, "totp")
    assert row.path == ACTIVATE
    authenticator_row(audit, "recovery_codes_added", user, codes_auth.pk, "recovery_codes")


def test_a_wrong_activation_code_logs_nothing(alice, audit):
    secret = read_secret(alice.get(ACTIVATE))
    audit.mark()
    assert alice.post(ACTIVATE, {"code": wrong_code(secret, T0)}).status_code == 200
    audit.assert_none()


def test_deactivating_totp_logs_both_removals_with_their_ids(mfa_alice, user, audit):
    client, totp_auth, secret, codes_auth, _ = mfa_alice
    client.post(CODE_REAUTH, {"code": code_at(secret, T0 + 600)})
    audit.mark()

    response = client.post(DEACTIVATE)

    assert response.status_code == 302
    assert audit.events() == [
        ("SecurityLog", "totp_removed"),
        ("SecurityLog", "recovery_codes_removed"),
    ]
    authenticator_row(audit, "totp_removed", user, totp_auth.pk, "totp")
    authenticator_row(audit, "recovery_codes_removed", user, codes_auth.pk, "recovery_codes")


def test_regenerating_recovery_codes_logs_a_reset(mfa_alice, user, audit):
    client, _, secret, codes_auth, _ = mfa_alice
    client.post(CODE_REAUTH, {"code": code_at(secret, T0 + 600)})
    audit.mark()

    response = client.post("/accounts/2fa/recovery-codes/generate/")

    assert response.status_code == 200 and len(shown_codes(response)) == 10
    assert audit.events() == [("SecurityLog", "recovery_codes_reset")]
    authenticator_row(audit, "recovery_codes_reset", user, codes_auth.pk, "recovery_codes")


def test_adding_a_first_security_key_logs_it_and_the_recovery_codes(user, audit):
    client = login_client(HttpsClient(**BROWSER), user)
    soft = SoftAuthenticator()
    options = options_in(client.get(KEY_ADD))["key"]
    audit.mark()

    response = post_credential(client, KEY_ADD, soft.create(options), name="Blue key")

    assert response.status_code == 200 and len(shown_codes(response)) == 10  # shown once
    assert audit.events() == [
        ("SecurityLog", "webauthn_added"),
        ("SecurityLog", "recovery_codes_added"),
    ]
    key = Authenticator.objects.get(user=user, type="webauthn")
    codes_auth = Authenticator.objects.get(user=user, type="recovery_codes")
    authenticator_row(audit, "webauthn_added", user, key.pk, "webauthn")
    authenticator_row(audit, "recovery_codes_added", user, codes_auth.pk, "recovery_codes")


def test_a_refused_registration_logs_nothing(user, audit):
    client = login_client(HttpsClient(**BROWSER), user)
    options = options_in(client.get(KEY_ADD))["key"]
    audit.mark()
    credential = SoftAuthenticator().create(options, origin="https://evil.example")
    assert post_credential(client, KEY_ADD, credential, name="Key").status_code == 200
    audit.assert_none()


def test_removing_the_last_key_logs_it_and_the_recovery_codes(key_alice, user, audit):
    client, soft, key = key_alice
    codes_auth, _ = add_recovery_codes(user)
    options = options_in(client.get(KEY_REAUTH))  # F8: a recent second factor first
    assert post_credential(client, KEY_REAUTH, soft.get(options, sign_count=4)).status_code == 302
    audit.mark()

    response = client.post(f"/accounts/2fa/webauthn/keys/{key.pk}/remove/")

    assert response.status_code == 302
    assert audit.events() == [
        ("SecurityLog", "webauthn_removed"),
        ("SecurityLog", "recovery_codes_removed"),
    ]
    authenticator_row(audit, "webauthn_removed", user, key.pk, "webauthn")
    authenticator_row(audit, "recovery_codes_removed", user, codes_auth.pk, "recovery_codes")


# --- Login with a second factor (LoginLog method + MFALog) ------------------------------------


def test_login_with_totp(clock, user, audit):
    totp_auth, secret = add_totp(user)
    client = Client(**BROWSER)
    start_login(client, user)
    audit.assert_none()  # the password step alone logs nobody in

    response = send_code(client, code_at(secret, T0))

    assert response.status_code == 302
    assert audit.events() == [("LoginLog", "login"), ("MFALog", "used")]
    audit.assert_one(
        LoginLog, event="login", method="totp", user=user, path=SECOND_STEP, **FROM_BROWSER
    )
    mfa_row(
        audit,
        user,
        event="used",
        method="totp",
        authenticator_id=totp_auth.pk,
        reauthentication=False,
        passwordless=False,
        path=SECOND_STEP,
    )


def test_login_with_a_recovery_code(clock, user, audit):
    add_totp(user)
    codes_auth, codes = add_recovery_codes(user)
    client = Client(**BROWSER)
    start_login(client, user)

    assert send_code(client, codes[2]).status_code == 302

    assert audit.events() == [("LoginLog", "login"), ("MFALog", "used")]
    audit.assert_one(LoginLog, event="login", method="recovery_codes", user=user)
    mfa_row(
        audit,
        user,
        event="used",
        method="recovery_codes",
        authenticator_id=codes_auth.pk,
        reauthentication=False,
        passwordless=False,
    )


def test_a_wrong_code_at_login_logs_one_failure_then_the_lockout(clock, user, audit):
    totp_auth, secret = add_totp(user)
    client = Client(**BROWSER)
    start_login(client, user)
    wrong = wrong_code(secret, T0)

    assert send_code(client, wrong).status_code == 200

    assert audit.events() == [("MFALog", "failed")]
    mfa_row(
        audit,
        user,
        event="failed",
        method="totp",
        authenticator_id=totp_auth.pk,
        reauthentication=False,
        passwordless=False,
    )

    for _ in range(4):
        send_code(client, wrong)
    audit.mark()
    assert send_code(client, code_at(secret, T0)).status_code == 429
    assert audit.events() == [("SecurityLog", "rate_limited")]
    audit.assert_one(
        SecurityLog,
        event="rate_limited",
        user=user,
        actor=None,
        extra={"action": "mfa_failed"},
        **FROM_BROWSER,
    )


def test_login_with_a_security_key_as_second_step(user, audit):
    soft = SoftAuthenticator()
    key = make_key(user, soft, passwordless=False)
    client = HttpsClient(**BROWSER)
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    options = options_in(client.get(SECOND_STEP), "webauthn-authenticate-options")
    audit.assert_none()

    response = post_credential(client, SECOND_STEP, soft.get(options, uv=False))

    assert response.status_code == 302
    assert audit.events() == [("LoginLog", "login"), ("MFALog", "used")]
    audit.assert_one(LoginLog, event="login", method="webauthn", user=user, **FROM_BROWSER)
    mfa_row(
        audit,
        user,
        event="used",
        method="webauthn",
        authenticator_id=key.pk,
        reauthentication=False,
        passwordless=False,
    )


def test_passkey_login(user, audit):
    soft = SoftAuthenticator()
    key = make_key(user, soft, sign_count=3)
    client = HttpsClient(**BROWSER)
    options = options_in(client.get(PASSKEY_LOGIN))

    response = post_credential(client, PASSKEY_LOGIN, soft.get(options, sign_count=4))

    assert response.status_code == 302
    assert audit.events() == [("LoginLog", "login"), ("MFALog", "used")]
    audit.assert_one(
        LoginLog,
        event="login",
        method="passkey",
        user=user,
        username="alice",
        path=PASSKEY_LOGIN,
        **FROM_BROWSER,
    )
    mfa_row(
        audit,
        user,
        event="used",
        method="webauthn",
        authenticator_id=key.pk,
        reauthentication=False,
        passwordless=True,
    )


def test_a_cloned_passkey_logs_suspicious_activity_and_a_failure(user, audit):
    """F12: a sign count that did not increase; nobody is logged in."""
    soft = SoftAuthenticator()
    key = make_key(user, soft, sign_count=10)
    client = HttpsClient(**BROWSER)
    options = options_in(client.get(PASSKEY_LOGIN))

    response = post_credential(client, PASSKEY_LOGIN, soft.get(options, sign_count=5))

    assert "may have been copied" in response.content.decode()
    assert audit.events() == [("SecurityLog", "suspicious_activity"), ("MFALog", "failed")]
    audit.assert_one(
        SecurityLog,
        event="suspicious_activity",
        user=user,
        actor=None,
        extra={
            "reason": "webauthn_sign_count",
            "details": {
                "authenticator_id": key.pk,
                "stored_sign_count": 10,
                "received_sign_count": 5,
            },
        },
        **FROM_BROWSER,
    )
    mfa_row(
        audit,
        user,
        event="failed",
        method="webauthn",
        authenticator_id=key.pk,
        reauthentication=False,
    )


# --- Reauthentication with a second factor ------------------------------------------------------


@pytest.mark.parametrize("factor", ["totp", "recovery_codes"])
def test_reauthentication_by_code(mfa_alice, user, audit, factor):
    client, totp_auth, secret, codes_auth, codes = mfa_alice
    code, authenticator = (
        (code_at(secret, T0 + 600), totp_auth) if factor == "totp" else (codes[4], codes_auth)
    )
    audit.mark()

    response = client.post(CODE_REAUTH, {"code": code, "next": "/accounts/2fa/"})

    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "reauthenticated"), ("MFALog", "used")]
    audit.assert_one(
        SecurityLog,
        event="reauthenticated",
        user=user,
        actor=user,
        path=CODE_REAUTH,
        extra={"method": factor},
        **FROM_BROWSER,
    )
    mfa_row(
        audit,
        user,
        event="used",
        method=factor,
        authenticator_id=authenticator.pk,
        reauthentication=True,
        passwordless=False,
    )


def test_a_wrong_reauthentication_code_logs_a_failure(mfa_alice, user, audit):
    client, totp_auth, secret, _, _ = mfa_alice
    audit.mark()
    response = client.post(CODE_REAUTH, {"code": wrong_code(secret, T0 + 600)})
    assert response.status_code == 200
    assert audit.events() == [("MFALog", "failed")]
    mfa_row(
        audit,
        user,
        event="failed",
        method="totp",
        authenticator_id=totp_auth.pk,
        reauthentication=True,
    )


def test_reauthentication_with_a_security_key(key_alice, user, audit):
    client, soft, key = key_alice
    options = options_in(client.get(KEY_REAUTH))
    audit.mark()

    response = post_credential(client, KEY_REAUTH, soft.get(options, sign_count=4))

    assert response.status_code == 302
    assert audit.events() == [("SecurityLog", "reauthenticated"), ("MFALog", "used")]
    audit.assert_one(
        SecurityLog,
        event="reauthenticated",
        user=user,
        actor=user,
        extra={"method": "webauthn"},
        **FROM_BROWSER,
    )
    mfa_row(
        audit,
        user,
        event="used",
        method="webauthn",
        authenticator_id=key.pk,
        reauthentication=True,
        passwordless=False,
    )


def test_a_refused_key_at_reauthentication_logs_a_failure(key_alice, user, audit):
    client, soft, key = key_alice
    options = options_in(client.get(KEY_REAUTH))
    audit.mark()
    response = post_credential(client, KEY_REAUTH, soft.get(options, sign_count=4, up=False))
    assert response.status_code == 200
    assert audit.events() == [("MFALog", "failed")]
    mfa_row(
        audit,
        user,
        event="failed",
        method="webauthn",
        authenticator_id=key.pk,
        reauthentication=True,
    )
