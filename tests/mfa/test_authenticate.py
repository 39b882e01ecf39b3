"""Login with a second factor over HTTP: the pending step, the signals in order, the
per-account lockout across clients (F5), the 15-minute limit and the new session key (C1)."""

from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from accounts import signals
from accounts.mfa.models import Authenticator
from accounts.models import User
from accounts.usersessions.models import UserSession
from tests.helpers.factories import UserFactory
from tests.helpers.mfa import (
    T0,
    add_recovery_codes,
    add_totp,
    code_at,
    mfa_login,
    send_code,
    start_login,
)

pytestmark = pytest.mark.django_db


def session_exists(key):
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def test_password_step_does_not_log_in(client, user, signal_catcher):
    add_totp(user)
    step = signal_catcher(signals.authentication_step_completed)
    logged_in = signal_catcher(signals.user_logged_in)

    start_login(client, user)

    step.assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="password",
        username="alice",
    )
    logged_in.assert_not_called()
    assert client.get("/accounts/2fa/").status_code == 302  # still anonymous
    page = client.get("/accounts/2fa/authenticate/")
    assert page.status_code == 200 and 'name="code"' in page.content.decode()


def test_login_with_totp_sends_step_used_then_logged_in(client, user, signal_catcher, clock):
    totp_auth, secret = add_totp(user)
    add_recovery_codes(user)
    order = []
    step = signal_catcher(signals.authentication_step_completed)
    used = signal_catcher(signals.authenticator_used)
    logged_in = signal_catcher(signals.user_logged_in)
    failed = signal_catcher(signals.authentication_failed)
    for name, receiver in [("step", step), ("used", used), ("logged_in", logged_in)]:
        receiver.side_effect = lambda name=name, **kwargs: order.append(name)

    start_login(client, user, next_url="/accounts/email/")
    assert order == ["step"]
    response = send_code(client, code_at(secret, T0))

    assert response.status_code == 302 and response["Location"] == "/accounts/email/"
    assert order == ["step", "step", "used", "logged_in"]
    assert step.call_args_list[1] == mock.call(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="totp",
        type="totp",
        id=totp_auth.pk,
    )
    used.assert_called_once_with(
        signal=signals.authenticator_used,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=totp_auth,
        reauthenticated=False,
        passwordless=False,
    )
    logged_in.assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=response, user=user
    )
    failed.assert_not_called()
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.session["account_authentication_records"][-1]["method"] == "totp"
    assert UserSession.objects.filter(user=user, session_key=client.session.session_key).exists()
    totp_auth.refresh_from_db()
    assert totp_auth.last_used_at is not None


def test_wrong_code_fails_with_signal_and_stays_pending(client, user, signal_catcher, clock):
    totp_auth, secret = add_totp(user)
    start_login(client, user)
    failed = signal_catcher(signals.authentication_failed)
    step = signal_catcher(signals.authentication_step_completed)
    used = signal_catcher(signals.authenticator_used)
    logged_in = signal_catcher(signals.user_logged_in)
    wrong = "000000" if code_at(secret, T0) != "000000" else "111111"

    response = send_code(client, wrong)

    assert response.status_code == 200 and "Incorrect code" in response.content.decode()
    failed.assert_called_once_with(
        signal=signals.authentication_failed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=totp_auth,
        reauthentication=False,
    )
    step.assert_not_called()
    used.assert_not_called()
    logged_in.assert_not_called()
    assert "_auth_user_id" not in client.session
    # Still pending: the right code now completes the login.
    assert send_code(client, code_at(secret, T0)).status_code == 302


def test_six_wrong_codes_from_three_clients_lock_that_account_only(user, signal_catcher, clock):
    """F5: the budget is per account, across sessions and IPs; past it, codes are not checked
    (even the right one), and another account is unaffected."""
    _, secret = add_totp(user)
    bob = UserFactory(username="bob")
    _, bob_secret = add_totp(bob)
    failed = signal_catcher(signals.authentication_failed)
    limited = signal_catcher(signals.rate_limited)
    wrong = "000000" if code_at(secret, T0) != "000000" else "111111"

    statuses = []
    for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3"]:
        browser = Client(REMOTE_ADDR=ip)
        start_login(browser, user)
        statuses += [send_code(browser, wrong).status_code for _ in range(2)]

    assert statuses == [200, 200, 200, 200, 200, 429]
    assert failed.call_count == 5  # the 6th was not even checked
    limited.assert_called_once_with(
        signal=signals.rate_limited, sender=None, request=mock.ANY, action="mfa_failed", user=user
    )

    fresh = Client(REMOTE_ADDR="10.0.0.4")
    start_login(fresh, user)
    response = send_code(fresh, code_at(secret, T0))
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert "_auth_user_id" not in fresh.session

    mfa_login(Client(REMOTE_ADDR="10.0.0.1"), bob, code_at(bob_secret, T0))

    clock.shift(300)
    later = Client(REMOTE_ADDR="10.0.0.5")
    mfa_login(later, user, code_at(secret, T0 + 300))


def test_wrong_recovery_codes_count_toward_the_same_lockout(user, clock):
    add_totp(user)
    _, codes = add_recovery_codes(user)
    client = Client()
    start_login(client, user)
    wrong = "12345678" if "12345678" not in codes else "87654321"
    assert [send_code(client, wrong).status_code for _ in range(5)] == [200] * 5
    assert send_code(client, codes[0]).status_code == 429
    assert "_auth_user_id" not in client.session


def test_pending_login_expires_after_15_minutes(client, user, clock):
    _, secret = add_totp(user)
    start_login(client, user)
    clock.shift(16 * 60)
    response = send_code(client, code_at(secret, T0 + 16 * 60))
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_no_pending_login_goes_to_login(client, user):
    response = client.get("/accounts/2fa/authenticate/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.post("/accounts/2fa/authenticate/", {"code": "123456"}).status_code == 302


def test_mfa_completion_gives_a_new_session_key(user, clock):
    """C1: the key before the login is dead afterwards, and its row is gone."""
    _, secret = add_totp(user)
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    start_login(client, user)
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert session_exists(before)

    send_code(client, code_at(secret, T0))

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not session_exists(before)
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = before
    assert stale.get("/accounts/2fa/").status_code == 302  # anonymous


def test_credential_post_is_delegated_to_webauthn(client, user):
    add_totp(user)
    start_login(client, user)
    with mock.patch(
        "accounts.mfa.webauthn.flows.authenticate_second_factor",
        return_value=HttpResponse("delegated"),
    ) as step:
        response = client.post("/accounts/2fa/authenticate/", {"credential": "{}"})
    assert response.content == b"delegated"
    step.assert_called_once_with(mock.ANY, user=user, pending=mock.ANY, credential=None)
    assert step.call_args.kwargs["pending"].user_id == user.pk


@pytest.mark.parametrize(
    "code", ["", "x" * 65, "１２３４５６", "12 34 56 78 90", "\u202e123456", "'--"]
)
def test_odd_input_is_an_error_never_a_crash(client, user, code):
    add_totp(user)
    start_login(client, user)
    response = send_code(client, code)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_page_includes_the_webauthn_partial(client, user):
    add_totp(user)
    start_login(client, user)
    response = client.get("/accounts/2fa/authenticate/")
    assert "mfa/_webauthn_authenticate.html" in [t.name for t in response.templates]
