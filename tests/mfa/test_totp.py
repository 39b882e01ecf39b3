"""TOTP over HTTP: activation (F1), encryption at rest (F2), replay (F3), window (F4), and
deactivation; with the exact MFA signals."""

import base64
import logging
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from accounts import signals
from accounts.mfa import crypto
from accounts.mfa.models import Authenticator
from accounts.mfa.totp import auth as totp
from accounts.models import User
from tests.helpers.mfa import (
    T0,
    DeletedAuthenticator,
    add_recovery_codes,
    add_totp,
    add_webauthn,
    code_at,
    current_code,
    mfa_login,
    read_secret,
    send_code,
    shown_codes,
    start_login,
)

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
DEACTIVATE = "/accounts/2fa/totp/deactivate/"


def raw_data(authenticator):
    """The ``data`` column exactly as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        (value,) = cursor.fetchone()
    return value if isinstance(value, str) else str(value)


# --- The algorithm ---------------------------------------------------------------------------


def test_codes_follow_rfc_6238():
    """RFC 6238 appendix B, SHA-1 seed "12345678901234567890": T=59 gives 94287082 (8 digits),
    so 287082 with our 6 digits; T=1111111109 gives 07081804 → 081804."""
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_for_step(secret, 59 // 30) == "287082"
    assert totp.code_for_step(secret, 1111111109 // 30) == "081804"


def test_generated_secret_has_160_bits():
    secrets = {totp.generate_secret() for _ in range(5)}
    assert len(secrets) == 5
    for secret in secrets:
        assert len(base64.b32decode(secret)) == 20


# --- Activation (F1) -------------------------------------------------------------------------


def test_activation_page_shows_qr_and_a_session_bound_secret(auth_client, user, make_client):
    first = auth_client.get(ACTIVATE)
    assert first.status_code == 200
    secret = read_secret(first)
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) >= 20
    html = first.content.decode()
    assert '<svg viewBox="0 0' in html and "<title>QR code</title>" in html
    assert "style=" not in html
    assert "<script>" not in html  # only <script src=...> is allowed by the CSP

    assert read_secret(auth_client.get(ACTIVATE)) == secret  # a reload keeps it

    other = make_client()
    other.post("/accounts/login/", {"login": "alice", "password": "correct horse battery staple"})
    assert read_secret(other.get(ACTIVATE)) != secret  # another session gets its own
    assert not Authenticator.objects.filter(user=user).exists()  # nothing stored yet


def test_wrong_code_does_not_activate(auth_client, user, signal_catcher):
    added = signal_catcher(signals.authenticator_added)
    secret = read_secret(auth_client.get(ACTIVATE))
    wrong = "000000" if current_code(secret) != "000000" else "111111"
    response = auth_client.post(ACTIVATE, {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()
    added.assert_not_called()


def test_activate_stores_totp_and_recovery_codes_and_signals(
    clock, auth_client, user, signal_catcher
):
    added = signal_catcher(signals.authenticator_added)
    secret = read_secret(auth_client.get(ACTIVATE))

    response = auth_client.post(ACTIVATE, {"code": code_at(secret, T0)})

    assert response.status_code == 200
    totp_auth = Authenticator.objects.get(user=user, type="totp")
    codes_auth = Authenticator.objects.get(user=user, type="recovery_codes")
    assert added.call_args_list == [
        mock.call(
            signal=signals.authenticator_added,
            sender=Authenticator,
            request=mock.ANY,
            user=user,
            authenticator=totp_auth,
        ),
        mock.call(
            signal=signals.authenticator_added,
            sender=Authenticator,
            request=mock.ANY,
            user=user,
            authenticator=codes_auth,
        ),
    ]
    codes = shown_codes(response)
    assert len(codes) == 10 == len(set(codes))
    assert totp.read_secret(totp_auth) == secret
    # The code that proved the seed cannot be used again to log in.
    assert totp_auth.data["last_step"] == T0 // 30


def test_after_activation_the_secret_is_never_rendered_again(clock, auth_client, user):
    secret = read_secret(auth_client.get(ACTIVATE))
    activated = auth_client.post(ACTIVATE, {"code": code_at(secret, T0)})
    assert secret not in activated.content.decode()
    again = auth_client.get(ACTIVATE)
    assert again.status_code == 302 and again["Location"] == "/accounts/2fa/"
    for url in ["/accounts/2fa/", "/accounts/2fa/recovery-codes/", DEACTIVATE]:
        page = auth_client.get(url, follow=True)
        assert page.status_code == 200
        assert secret not in page.content.decode()


def test_activation_needs_recent_authentication(clock, auth_client, user):
    clock.shift(10 * 60)
    response = auth_client.get(ACTIVATE)
    assert response.status_code == 302
    assert (
        response["Location"]
        == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(ACTIVATE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Encryption at rest (F2) -------------------------------------------------------------------


def test_stored_secret_is_encrypted(clock, auth_client, user):
    secret = read_secret(auth_client.get(ACTIVATE))
    auth_client.post(ACTIVATE, {"code": code_at(secret, T0)})
    authenticator = Authenticator.objects.get(user=user, type="totp")
    raw = raw_data(authenticator)
    assert secret not in raw and secret.lower() not in raw
    assert base64.b32decode(secret).hex() not in raw
    assert crypto.decrypt(authenticator.data["secret"]) == secret


def test_encryption_key_comes_from_the_setting_not_secret_key():
    with override_settings(MFA_ENCRYPTION_KEY="key-from-the-environment"):
        token = crypto.encrypt("JBSWY3DPEHPK3PXP")
        with override_settings(SECRET_KEY="another-secret-key-entirely-0123456789"):
            assert crypto.decrypt(token) == "JBSWY3DPEHPK3PXP"
    with (
        override_settings(MFA_ENCRYPTION_KEY="some-other-key"),
        pytest.raises(crypto.DecryptionError),
    ):
        crypto.decrypt(token)
    # Rotation: the new key first, the old one still decrypts.
    with override_settings(MFA_ENCRYPTION_KEY="new-key, key-from-the-environment"):
        assert crypto.decrypt(token) == "JBSWY3DPEHPK3PXP"


def test_undecryptable_secret_rejects_codes_without_error(client, user, caplog):
    _authenticator, secret = add_totp(user)
    with override_settings(MFA_ENCRYPTION_KEY="a-key-that-did-not-encrypt-it"):
        start_login(client, user)
        with caplog.at_level(logging.ERROR, logger="accounts.mfa"):
            response = send_code(client, current_code(secret))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "cannot be decrypted" in caplog.text


# --- Replay (F3) and window (F4), with a controlled clock -------------------------------------


def test_same_code_rejected_immediately_and_31_seconds_later(make_client, user, clock, caplog):
    _, secret = add_totp(user)
    code = code_at(secret, T0)
    mfa_login(make_client(), user, code)

    clock.shift(1)
    replay = make_client()
    start_login(replay, user)
    with caplog.at_level(logging.WARNING, logger="accounts.mfa"):
        assert send_code(replay, code).status_code == 200
    assert "_auth_user_id" not in replay.session
    assert "replayed" in caplog.text and code not in caplog.text

    clock.shift(30)  # T0 + 31 s: the next step, the old code still inside the window
    late = make_client()
    start_login(late, user)
    assert send_code(late, code).status_code == 200
    assert "_auth_user_id" not in late.session

    # The next code works: the refusal is about the replay, not the account.
    assert send_code(late, code_at(secret, T0 + 31)).status_code == 302


def test_replay_rejected_by_another_worker_without_shared_cache(make_client, user, clock):
    """The accepted step is in the database: a worker with an empty cache still refuses."""
    _, secret = add_totp(user)
    code = code_at(secret, T0)
    mfa_login(make_client(), user, code)
    cache.clear()  # another worker: no cache state in common
    replay = make_client()
    start_login(replay, user)
    assert send_code(replay, code).status_code == 200
    assert "_auth_user_id" not in replay.session


@pytest.mark.parametrize("steps", [-2, 2, 3, -5])
def test_codes_two_or_more_steps_away_are_rejected(make_client, user, clock, steps):
    _, secret = add_totp(user)
    client = make_client()
    start_login(client, user)
    response = send_code(client, code_at(secret, T0, steps))
    assert response.status_code == 200 and "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("steps", [-1, 1])
def test_one_step_either_side_is_accepted_by_default(make_client, user, clock, steps):
    _, secret = add_totp(user)
    mfa_login(make_client(), user, code_at(secret, T0, steps))


@override_settings(MFA_TOTP_TOLERANCE=0)
@pytest.mark.parametrize("steps", [-1, 1])
def test_tolerance_zero_accepts_only_the_current_step(make_client, user, clock, steps):
    _, secret = add_totp(user)
    client = make_client()
    start_login(client, user)
    assert send_code(client, code_at(secret, T0, steps)).status_code == 200
    assert send_code(client, code_at(secret, T0)).status_code == 302


@override_settings(MFA_TOTP_TOLERANCE=5)
def test_a_tolerance_above_one_step_is_a_configuration_error():
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match="MFA_TOTP_TOLERANCE must be between 0 and 1"):
        call_command("check")


def test_older_code_rejected_after_a_newer_one(make_client, user, clock):
    """Steps only move forward: after the code of step c+1, the code of c is refused."""
    _, secret = add_totp(user)
    mfa_login(make_client(), user, code_at(secret, T0, 1))
    client = make_client()
    start_login(client, user)
    assert send_code(client, code_at(secret, T0)).status_code == 200


def test_request_headers_do_not_change_the_time(make_client, user, clock):
    _, secret = add_totp(user)
    client = make_client()
    start_login(client, user)
    future = T0 + 600
    response = client.post(
        "/accounts/2fa/authenticate/",
        {"code": code_at(secret, future), "timestamp": str(future)},
        HTTP_X_TIMESTAMP=str(future),
        HTTP_DATE="Wed, 01 Jan 2031 12:10:10 GMT",
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- Deactivation ----------------------------------------------------------------------------


def test_deactivate_removes_totp_and_recovery_codes(client, user, signal_catcher, clock):
    totp_auth, secret = add_totp(user)
    codes_auth, _ = add_recovery_codes(user)
    mfa_login(client, user, code_at(secret, T0))
    removed = signal_catcher(signals.authenticator_removed)

    page = client.get(DEACTIVATE)
    assert page.status_code == 200 and "recovery codes are removed" in page.content.decode()
    assert Authenticator.objects.filter(user=user).count() == 2  # GET changes nothing

    response = client.post(DEACTIVATE)

    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
    assert not Authenticator.objects.filter(user=user).exists()
    assert removed.call_args_list == [
        mock.call(
            signal=signals.authenticator_removed,
            sender=Authenticator,
            request=mock.ANY,
            user=user,
            authenticator=DeletedAuthenticator("totp", user),
        ),
        mock.call(
            signal=signals.authenticator_removed,
            sender=Authenticator,
            request=mock.ANY,
            user=user,
            authenticator=DeletedAuthenticator("recovery_codes", user),
        ),
    ]
    assert not Authenticator.objects.filter(pk__in=[totp_auth.pk, codes_auth.pk]).exists()
    # Next login needs the password only.
    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"login": "alice", "password": "correct horse battery staple"}
    )
    assert response["Location"] == "/"


def test_deactivate_keeps_recovery_codes_when_a_security_key_remains(
    client, user, signal_catcher, clock
):
    totp_auth, secret = add_totp(user)
    add_recovery_codes(user)
    add_webauthn(user)
    mfa_login(client, user, code_at(secret, T0))
    removed = signal_catcher(signals.authenticator_removed)

    client.post(DEACTIVATE)

    removed.assert_called_once_with(
        signal=signals.authenticator_removed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=DeletedAuthenticator("totp", user),
    )
    assert not Authenticator.objects.filter(pk=totp_auth.pk).exists()
    assert set(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == {
        "recovery_codes",
        "webauthn",
    }


def test_deactivate_needs_a_recent_second_factor(client, user, signal_catcher, clock):
    """F8: ten minutes after login, and after a password-only reauthentication, a POST
    changes nothing and asks for the factor."""
    _, secret = add_totp(user)
    add_recovery_codes(user)
    mfa_login(client, user, code_at(secret, T0))
    removed = signal_catcher(signals.authenticator_removed)
    clock.shift(10 * 60)

    response = client.post(DEACTIVATE)
    assert response.status_code == 302
    assert response["Location"] == (
        "/accounts/2fa/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Fdeactivate%2F"
    )

    reauth = client.post(
        "/accounts/reauthenticate/",
        {"password": "correct horse battery staple", "next": DEACTIVATE},
    )
    assert reauth.status_code == 302
    response = client.post(DEACTIVATE)
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    removed.assert_not_called()


def test_deactivate_only_by_post_with_csrf(user, clock):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    _, secret = add_totp(user)
    login_page = client.get("/accounts/login/")
    token = login_page.cookies["csrftoken"].value
    client.post(
        "/accounts/login/",
        {
            "login": "alice",
            "password": "correct horse battery staple",
            "csrfmiddlewaretoken": token,
        },
    )
    token = client.cookies["csrftoken"].value
    client.post(
        "/accounts/2fa/authenticate/", {"code": code_at(secret, T0), "csrfmiddlewaretoken": token}
    )
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.post(DEACTIVATE).status_code == 403
    assert Authenticator.objects.filter(user=user, type="totp").exists()


def test_index_shows_which_factors_are_on(clock, auth_client, user):
    page = auth_client.get("/accounts/2fa/").content.decode()
    assert "Set up" in page and "/accounts/2fa/totp/activate/" in page
    secret = read_secret(auth_client.get(ACTIVATE))
    auth_client.post(ACTIVATE, {"code": code_at(secret, T0)})
    page = auth_client.get("/accounts/2fa/").content.decode()
    assert "Turn off" in page and "10 of 10 unused" in page
    assert User.objects.get(pk=user.pk).authenticators.count() == 2
