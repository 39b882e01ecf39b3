"""Reauthentication over HTTP, by password and by a second-factor code: the signals, the new
session key (C1) with its record moved along, ``next``, and the factor policy (F8)."""

from importlib import import_module
from unittest import mock
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from accounts import signals
from accounts.mfa.models import Authenticator
from accounts.models import User
from accounts.usersessions.models import UserSession
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.mfa import (
    T0,
    add_recovery_codes,
    add_totp,
    add_webauthn,
    code_at,
    mfa_login,
)

pytestmark = pytest.mark.django_db

PASSWORD_REAUTH = "/accounts/reauthenticate/"
CODE_REAUTH = "/accounts/2fa/reauthenticate/"


def session_exists(key):
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def session_key(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def assert_rotated(client, before, user):
    """C1: a new key; the old one is dead (anonymous) and its record moved to the new one."""
    after = session_key(client)
    assert after != before
    assert not session_exists(before)
    assert not UserSession.objects.filter(session_key=before).exists()
    assert UserSession.objects.filter(user=user, session_key=after).exists()
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = before
    assert stale.get("/accounts/2fa/").status_code == 302


@pytest.fixture
def mfa_client(clock, user):
    """alice logged in with password + TOTP, ten minutes ago."""
    totp_auth, secret = add_totp(user)
    codes_auth, codes = add_recovery_codes(user)
    client = Client()
    mfa_login(client, user, code_at(secret, T0))
    clock.shift(10 * 60)
    return client, totp_auth, secret, codes_auth, codes


# --- By password --------------------------------------------------------------------------------


def test_reauthenticate_by_password(clock, auth_client, user, signal_catcher):
    step = signal_catcher(signals.authentication_step_completed)
    clock.shift(10 * 60)
    before = session_key(auth_client)

    response = auth_client.post(
        PASSWORD_REAUTH, {"password": DEFAULT_PASSWORD, "next": "/accounts/2fa/totp/activate/"}
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    step.assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="password",
        reauthenticated=True,
    )
    assert_rotated(auth_client, before, user)
    assert auth_client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_wrong_password_sends_nothing(clock, auth_client, user, signal_catcher):
    step = signal_catcher(signals.authentication_step_completed)
    before = session_key(auth_client)
    response = auth_client.post(PASSWORD_REAUTH, {"password": "not it at all"})
    assert response.status_code == 200
    step.assert_not_called()
    assert session_key(auth_client) == before


def test_password_reauth_ignores_a_foreign_next(clock, auth_client, user):
    response = auth_client.post(
        PASSWORD_REAUTH, {"password": DEFAULT_PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_user_without_factor_is_sent_to_password_reauth(clock, auth_client, user):
    clock.shift(10 * 60)
    response = auth_client.get("/accounts/2fa/totp/activate/")
    assert (
        response["Location"]
        == f"{PASSWORD_REAUTH}?next={quote('/accounts/2fa/totp/activate/', safe='')}"
    )
    assert (
        auth_client.get(CODE_REAUTH + "?next=/x/")["Location"] == f"{PASSWORD_REAUTH}?next=%2Fx%2F"
    )


# --- By code ------------------------------------------------------------------------------------


def test_reauthenticate_by_totp(mfa_client, user, signal_catcher):
    client, totp_auth, secret, _, _ = mfa_client
    step = signal_catcher(signals.authentication_step_completed)
    used = signal_catcher(signals.authenticator_used)
    failed = signal_catcher(signals.authentication_failed)
    logged_in = signal_catcher(signals.user_logged_in)
    target = "/accounts/2fa/recovery-codes/"
    assert client.get(target)["Location"] == f"{CODE_REAUTH}?next={quote(target, safe='')}"
    page = client.get(f"{CODE_REAUTH}?next={quote(target, safe='')}")
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    before = session_key(client)

    response = client.post(CODE_REAUTH, {"code": code_at(secret, T0 + 600), "next": target})

    assert response.status_code == 302 and response["Location"] == target
    step.assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="totp",
        type="totp",
        id=totp_auth.pk,
        reauthenticated=True,
    )
    used.assert_called_once_with(
        signal=signals.authenticator_used,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=totp_auth,
        reauthenticated=True,
        passwordless=False,
    )
    failed.assert_not_called()
    logged_in.assert_not_called()
    assert_rotated(client, before, user)
    assert client.get(target).status_code == 200


def test_reauthenticate_by_recovery_code(mfa_client, user, signal_catcher):
    client, _, _, codes_auth, codes = mfa_client
    step = signal_catcher(signals.authentication_step_completed)
    used = signal_catcher(signals.authenticator_used)
    before = session_key(client)

    response = client.post(CODE_REAUTH, {"code": codes[5], "next": "/accounts/2fa/"})

    assert response["Location"] == "/accounts/2fa/"
    step.assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="recovery_codes",
        type="recovery_codes",
        id=codes_auth.pk,
        reauthenticated=True,
    )
    used.assert_called_once_with(
        signal=signals.authenticator_used,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=codes_auth,
        reauthenticated=True,
        passwordless=False,
    )
    assert_rotated(client, before, user)
    # Spent: it does not work a second time.
    assert client.post(CODE_REAUTH, {"code": codes[5]}).status_code == 200


def test_wrong_code_reauth_fails_with_signal(mfa_client, user, signal_catcher):
    client, totp_auth, secret, _, _ = mfa_client
    failed = signal_catcher(signals.authentication_failed)
    step = signal_catcher(signals.authentication_step_completed)
    used = signal_catcher(signals.authenticator_used)
    before = session_key(client)
    wrong = "000000" if code_at(secret, T0 + 600) != "000000" else "111111"

    response = client.post(CODE_REAUTH, {"code": wrong, "next": "/accounts/2fa/"})

    assert response.status_code == 200 and "Incorrect code" in response.content.decode()
    failed.assert_called_once_with(
        signal=signals.authentication_failed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=totp_auth,
        reauthentication=True,
    )
    step.assert_not_called()
    used.assert_not_called()
    assert session_key(client) == before
    assert client.get("/accounts/2fa/recovery-codes/").status_code == 302


def test_replayed_login_code_does_not_reauthenticate(clock, user):
    _, secret = add_totp(user)
    client = Client()
    mfa_login(client, user, code_at(secret, T0))
    clock.shift(20)
    response = client.post(CODE_REAUTH, {"code": code_at(secret, T0)})
    # refused; the holder of the right code is told it was used (issue 17, rough edge 7)
    assert response.status_code == 200
    assert "This code was already used" in response.content.decode()


def test_code_reauth_lockout_is_shared_with_login(mfa_client, user, signal_catcher):
    client, _, secret, _, _ = mfa_client
    limited = signal_catcher(signals.rate_limited)
    wrong = "000000" if code_at(secret, T0 + 600) != "000000" else "111111"
    assert [client.post(CODE_REAUTH, {"code": wrong}).status_code for _ in range(5)] == [200] * 5
    response = client.post(CODE_REAUTH, {"code": code_at(secret, T0 + 600)})
    assert response.status_code == 429
    limited.assert_called_once_with(
        signal=signals.rate_limited, sender=None, request=mock.ANY, action="mfa_failed", user=user
    )


def test_password_alone_does_not_unlock_factor_changes(mfa_client, user):
    """F8: for a user with a second factor, a fresh password reauthentication still leads to
    the factor prompt before MFA changes."""
    client, _, _, _, _ = mfa_client
    client.post(PASSWORD_REAUTH, {"password": DEFAULT_PASSWORD})
    for url in [
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/download/",
    ]:
        assert client.get(url)["Location"].startswith(f"{CODE_REAUTH}?next=")
    assert client.post("/accounts/2fa/recovery-codes/generate/")["Location"].startswith(
        f"{CODE_REAUTH}?next="
    )


def test_code_page_sends_security_key_users_to_their_key(clock, user):
    add_webauthn(user)
    client = Client()
    client.force_login(user)
    response = client.get(f"{CODE_REAUTH}?next=/accounts/2fa/")
    assert (
        response["Location"] == "/accounts/2fa/webauthn/reauthenticate/?next=%2Faccounts%2F2fa%2F"
    )


def test_code_reauth_needs_login(client):
    response = client.get(CODE_REAUTH)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
