"""Trust this browser (MFA_TRUST_ENABLED): the step after the second factor, the skip, and
everything that ends a trust."""

import time
from unittest import mock

import pytest

from accounts import signals
from accounts.models import User
from activity.models import LoginLog, SecurityLog
from tests.helpers.factories import DEFAULT_PASSWORD
from tests.helpers.mfa import add_recovery_codes, add_totp, add_webauthn, code_at, start_login

pytestmark = pytest.mark.django_db

TRUST_URL = "/accounts/2fa/trust/"
REVOKE_URL = "/accounts/2fa/trust/revoke/"


@pytest.fixture
def trust_on(settings):
    settings.MFA_TRUST_ENABLED = True
    return settings


@pytest.fixture
def totp_user(user):
    _, secret = add_totp(user)
    user.totp_secret = secret
    return user


def second_factor(client, user, clock, steps=0):
    code = code_at(user.totp_secret, time.time(), steps)
    return client.post("/accounts/2fa/authenticate/", {"code": code})


def login_trusting(client, user, clock, action="trust"):
    start_login(client, user)
    response = second_factor(client, user, clock)
    assert response["Location"] == TRUST_URL
    return client.post(TRUST_URL, {"action": action})


def password_step(client, user=None):
    return client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})


def test_off_by_default(client, totp_user, clock):
    assert client.get(TRUST_URL).status_code == 404
    start_login(client, totp_user)
    assert second_factor(client, totp_user, clock)["Location"] == "/"
    assert "mfa_trusted" not in client.cookies


def test_trust_step_then_logged_in(client, totp_user, trust_on, clock, signal_catcher):
    logged_in = signal_catcher(signals.user_logged_in)
    trusted = signal_catcher(signals.browser_trusted)
    start_login(client, totp_user)
    response = second_factor(client, totp_user, clock)
    assert response["Location"] == TRUST_URL
    assert "_auth_user_id" not in client.session
    logged_in.assert_not_called()
    page = client.get(TRUST_URL).content.decode()
    assert 'value="trust"' in page and 'value="skip"' in page

    response = client.post(TRUST_URL, {"action": "trust"})

    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == totp_user.pk
    logged_in.assert_called_once_with(
        signal=signals.user_logged_in,
        sender=User,
        request=mock.ANY,
        response=response,
        user=totp_user,
    )
    trusted.assert_called_once_with(
        signal=signals.browser_trusted, sender=User, request=mock.ANY, user=totp_user
    )
    cookie = response.cookies["mfa_trusted"]
    assert cookie["httponly"] and cookie["max-age"] == 14 * 24 * 3600
    assert SecurityLog.objects.filter(event="browser_trusted", user=totp_user).count() == 1
    assert LoginLog.objects.get(event="login").method == LoginLog.Method.TOTP


def test_trusted_browser_skips_the_second_factor(
    client, totp_user, trust_on, clock, signal_catcher
):
    login_trusting(client, totp_user, clock)
    client.post("/accounts/logout/")
    used = signal_catcher(signals.authenticator_used)
    logged_in = signal_catcher(signals.user_logged_in)
    response = password_step(client)
    assert response["Location"] == "/"
    logged_in.assert_called_once()
    used.assert_not_called()
    row = LoginLog.objects.filter(event="login").latest("pk")
    assert row.method == LoginLog.Method.PASSWORD
    assert row.extra == {"mfa_skipped": "trusted_browser"}


def test_skip_gives_no_trust(client, totp_user, trust_on, clock, signal_catcher):
    trusted = signal_catcher(signals.browser_trusted)
    response = login_trusting(client, totp_user, clock, action="skip")
    assert response["Location"] == "/" and "mfa_trusted" not in response.cookies
    trusted.assert_not_called()
    client.post("/accounts/logout/")
    assert password_step(client)["Location"] == "/accounts/2fa/authenticate/"


def test_unknown_action_changes_nothing(client, totp_user, trust_on, clock):
    start_login(client, totp_user)
    second_factor(client, totp_user, clock)
    response = client.post(TRUST_URL, {"action": "maybe"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_no_pending_login_goes_back_to_login(client, trust_on):
    assert client.get(TRUST_URL)["Location"] == "/accounts/login/"
    assert client.post(TRUST_URL, {"action": "trust"})["Location"] == "/accounts/login/"


def _relogin_asks_for_factor(client):
    client.post("/accounts/logout/")
    return password_step(client)["Location"] == "/accounts/2fa/authenticate/"


def test_password_change_voids_trust(client, totp_user, trust_on, clock):
    login_trusting(client, totp_user, clock)
    totp_user.set_password("another passphrase 991")
    totp_user.save()
    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"login": "alice", "password": "another passphrase 991"}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"


@pytest.mark.parametrize("change", ["added", "removed"])
def test_factor_change_voids_trust(client, totp_user, trust_on, clock, change):
    codes, _ = add_recovery_codes(totp_user)
    login_trusting(client, totp_user, clock)
    if change == "added":
        add_webauthn(totp_user)
    else:
        codes.delete()
    assert _relogin_asks_for_factor(client)


def test_cookie_expiry_ends_trust(client, totp_user, trust_on, clock):
    login_trusting(client, totp_user, clock)
    clock.shift(14 * 24 * 3600 + 1)
    assert _relogin_asks_for_factor(client)


def test_trust_is_per_user(client, totp_user, other_user, trust_on, clock):
    login_trusting(client, totp_user, clock)
    client.post("/accounts/logout/")
    add_totp(other_user)
    response = client.post("/accounts/login/", {"login": "bob", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"


def test_revoke_button_on_the_sessions_page(client, totp_user, trust_on, clock, signal_catcher):
    revoked = signal_catcher(signals.trusted_browsers_revoked)
    login_trusting(client, totp_user, clock)
    page = client.get("/accounts/sessions/").content.decode()
    assert REVOKE_URL in page
    assert client.get(REVOKE_URL).status_code == 405
    response = client.post(REVOKE_URL)
    assert response["Location"] == "/accounts/sessions/"
    revoked.assert_called_once_with(
        signal=signals.trusted_browsers_revoked, sender=User, request=mock.ANY, user=totp_user
    )
    assert SecurityLog.objects.filter(event="trusted_browsers_revoked", user=totp_user).exists()
    assert response.cookies["mfa_trusted"].value == ""  # this browser forgets it too
    assert _relogin_asks_for_factor(client)


def test_revoke_also_voids_a_copied_cookie(client, make_client, totp_user, trust_on, clock):
    response = login_trusting(client, totp_user, clock)
    value = response.cookies["mfa_trusted"].value
    clock.shift(2)
    client.post(REVOKE_URL)
    other = make_client()
    other.cookies["mfa_trusted"] = value
    assert password_step(other)["Location"] == "/accounts/2fa/authenticate/"


def test_no_revoke_button_by_default(auth_client):
    assert REVOKE_URL not in auth_client.get("/accounts/sessions/").content.decode()
    assert auth_client.post(REVOKE_URL).status_code == 404
