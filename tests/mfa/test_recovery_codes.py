"""Recovery codes over HTTP: random, hashed, shown once (F6, F7), single use, regenerated
with ``authenticator_reset``, downloadable right after generation, behind reauthentication."""

import base64
import threading
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import override_settings

from accounts import signals
from accounts.mfa import crypto
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes import auth as recovery_codes
from accounts.models import User
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

pytestmark = pytest.mark.django_db

VIEW = "/accounts/2fa/recovery-codes/"
GENERATE = "/accounts/2fa/recovery-codes/generate/"
DOWNLOAD = "/accounts/2fa/recovery-codes/download/"


@pytest.fixture
def activated(clock, auth_client, user):
    """alice turned TOTP on through the pages; returns (client, secret, codes shown)."""
    secret = read_secret(auth_client.get("/accounts/2fa/totp/activate/"))
    response = auth_client.post("/accounts/2fa/totp/activate/", {"code": code_at(secret, T0)})
    return auth_client, secret, shown_codes(response)


def raw_data(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [pk])
        (value,) = cursor.fetchone()
    return value if isinstance(value, str) else str(value)


def test_ten_distinct_random_8_digit_codes(activated, user, make_client):
    _, _, codes = activated
    assert len(codes) == 10 == len(set(codes))
    assert all(len(c) == 8 and c.isdigit() for c in codes)
    # Another user's set shares nothing with alice's.
    other = User.objects.create_user("carol", "carol@example.com", "x")
    _, other_codes = add_recovery_codes(other)
    assert not set(codes) & set(other_codes)


def test_codes_are_not_stored_in_plain_text(activated, user):
    """F7: the row holds neither the codes nor a usable key: without the app key nothing in
    it lets anyone recompute a code."""
    _, _, codes = activated
    authenticator = Authenticator.objects.get(user=user, type="recovery_codes")
    raw = raw_data(authenticator.pk)
    for code in codes:
        assert code not in raw
    assert len(authenticator.data["hashes"]) == 10
    with (
        override_settings(MFA_ENCRYPTION_KEY="not-the-app-key"),
        pytest.raises(crypto.DecryptionError),
    ):
        crypto.decrypt(authenticator.data["key"])
    # With a different key the stored data matches none of the codes.
    with override_settings(MFA_ENCRYPTION_KEY="not-the-app-key"):
        assert recovery_codes._matching_index(authenticator.data, codes[0]) is None
    assert recovery_codes._matching_index(authenticator.data, codes[0]) == 0


def test_codes_are_shown_once_then_only_the_count(activated, user):
    client, _, codes = activated
    page = client.get(VIEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="recovery-codes-left">10<' in html
    for code in codes:
        assert code not in html


def test_login_with_a_recovery_code(client, user, signal_catcher, clock):
    add_totp(user)
    codes_auth, codes = add_recovery_codes(user)
    order = []
    step = signal_catcher(signals.authentication_step_completed)
    step.side_effect = lambda **k: order.append("step")
    used = signal_catcher(signals.authenticator_used)
    used.side_effect = lambda **k: order.append("used")
    logged_in = signal_catcher(signals.user_logged_in)
    logged_in.side_effect = lambda **k: order.append("logged_in")
    failed = signal_catcher(signals.authentication_failed)

    start_login(client, user)
    assert order == ["step"]  # the password step only: not logged in yet
    logged_in.assert_not_called()

    response = send_code(client, f"{codes[3][:4]} {codes[3][4:]}")  # spaces are forgiven

    assert response.status_code == 302 and response["Location"] == "/"
    assert order == ["step", "step", "used", "logged_in"]
    codes_auth.refresh_from_db()
    assert step.call_args_list[-1] == mock.call(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="recovery_codes",
        type="recovery_codes",
        id=codes_auth.pk,
    )
    used.assert_called_once_with(
        signal=signals.authenticator_used,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=codes_auth,
        reauthenticated=False,
        passwordless=False,
    )
    logged_in.assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=response, user=user
    )
    failed.assert_not_called()
    assert recovery_codes.remaining(codes_auth) == 9
    assert codes_auth.last_used_at is not None


def test_a_used_recovery_code_is_rejected(make_client, user, signal_catcher, clock):
    totp_auth, _ = add_totp(user)
    _codes_auth, codes = add_recovery_codes(user)
    mfa_login(make_client(), user, codes[0])
    failed = signal_catcher(signals.authentication_failed)
    logged_in = signal_catcher(signals.user_logged_in)

    again = make_client()
    start_login(again, user)
    response = send_code(again, codes[0])

    assert response.status_code == 200 and "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in again.session
    failed.assert_called_once_with(
        signal=signals.authentication_failed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=totp_auth,
        reauthentication=False,
    )
    logged_in.assert_not_called()
    # The other codes still work.
    assert send_code(again, codes[1]).status_code == 302


def test_failure_reported_against_recovery_codes_when_no_totp(make_client, user, signal_catcher):
    """A user with a security key and recovery codes: a wrong code names the codes."""
    Authenticator.objects.create(user=user, type="webauthn", data={})
    codes_auth, _ = add_recovery_codes(user)
    failed = signal_catcher(signals.authentication_failed)
    client = make_client()
    start_login(client, user)
    send_code(client, "12345678")
    assert failed.call_args.kwargs["authenticator"] == codes_auth


def test_regenerate_replaces_all_codes(activated, user, signal_catcher, make_client):
    client, _secret, old_codes = activated
    reset = signal_catcher(signals.authenticator_reset)
    added = signal_catcher(signals.authenticator_added)
    authenticator = Authenticator.objects.get(user=user, type="recovery_codes")

    response = client.post(GENERATE)

    assert response.status_code == 200
    new_codes = shown_codes(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    reset.assert_called_once_with(
        signal=signals.authenticator_reset,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=authenticator,
    )
    added.assert_not_called()
    assert Authenticator.objects.filter(user=user, type="recovery_codes").count() == 1
    # Shown once: the page afterwards gives only the count.
    html = client.get(VIEW).content.decode()
    assert not any(code in html for code in new_codes)

    other = make_client()
    start_login(other, user)
    assert send_code(other, old_codes[0]).status_code == 200
    assert send_code(other, new_codes[0]).status_code == 302


def test_regenerate_by_get_changes_nothing(activated, user, signal_catcher):
    client, _, _ = activated
    reset = signal_catcher(signals.authenticator_reset)
    before = Authenticator.objects.get(user=user, type="recovery_codes").data
    response = client.get(GENERATE)
    assert response.status_code == 302 and response["Location"] == VIEW
    assert Authenticator.objects.get(user=user, type="recovery_codes").data == before
    reset.assert_not_called()


def test_regenerate_needs_a_second_factor(auth_client, user, signal_catcher):
    reset = signal_catcher(signals.authenticator_reset)
    added = signal_catcher(signals.authenticator_added)
    response = auth_client.post(GENERATE)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
    assert not Authenticator.objects.filter(user=user).exists()
    reset.assert_not_called()
    added.assert_not_called()


def test_download_right_after_generation(activated, user):
    client, _, codes = activated
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    body = response.content.decode()
    assert all(code in body for code in codes)
    assert "alice" in body


def test_download_only_in_the_session_and_for_a_few_minutes(activated, user, clock, make_client):
    client, secret, codes = activated
    other = make_client()
    mfa_login(other, user, code_at(secret, T0 + 30))
    response = other.get(DOWNLOAD)
    assert response.status_code == 302 and response["Location"] == VIEW
    assert not any(code in other.get(VIEW).content.decode() for code in codes)

    clock.shift(11 * 60)
    client.post(
        "/accounts/2fa/reauthenticate/",
        {"code": code_at(secret, T0 + 11 * 60), "next": "/"},
    )
    response = client.get(DOWNLOAD)
    assert response.status_code == 302 and response["Location"] == VIEW


def test_download_of_a_replaced_set_is_refused(activated, user, make_client):
    client, secret, _old_codes = activated
    other = make_client()
    mfa_login(other, user, code_at(secret, T0 + 30))
    other.post(GENERATE)  # replaces the set alice's first session could still download
    response = client.get(DOWNLOAD)
    assert response.status_code == 302


@pytest.mark.parametrize("method,url", [("get", VIEW), ("post", GENERATE), ("get", DOWNLOAD)])
def test_codes_pages_need_a_recent_second_factor(activated, user, clock, method, url):
    """F8: ten minutes later, each asks for the factor first and changes nothing."""
    client, _, _ = activated
    before = Authenticator.objects.get(user=user, type="recovery_codes").data
    clock.shift(10 * 60)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=")
    assert Authenticator.objects.get(user=user, type="recovery_codes").data == before


def test_index_shows_how_many_codes_are_left(make_client, user, clock):
    _, _secret = add_totp(user)
    _, codes = add_recovery_codes(user)
    client = make_client()
    mfa_login(client, user, codes[0])
    assert "9 of 10 unused" in client.get("/accounts/2fa/").content.decode()
    assert 'data-testid="recovery-codes-left">9<' in client.get(VIEW).content.decode()


def test_codes_are_stored_as_keyed_salted_hashes():
    """Each set has its own random 256-bit key (encrypted under the app key) and salt; a code
    is stored as HMAC-SHA256(key, salt || code): without the key, nothing to brute-force."""
    data = recovery_codes.build_data(["12345678", "87654321"])
    assert data["scheme"] == 2 and "iterations" not in data
    assert len(base64.b64decode(data["salt"])) == 16
    assert len(base64.b64decode(crypto.decrypt(data["key"]))) == 32
    assert all(len(h) == 64 for h in data["hashes"])
    again = recovery_codes.build_data(["12345678", "87654321"])
    assert again["hashes"][0] != data["hashes"][0]  # each set has its own salt and key


class _KdfCalls:
    """Counts PBKDF2 derivations (the slow hash), letting them run."""

    def __init__(self, monkeypatch):
        import hashlib

        self.calls = 0
        real = hashlib.pbkdf2_hmac

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(hashlib, "pbkdf2_hmac", counted)


def test_activation_and_a_check_cost_no_slow_hash(user, monkeypatch):
    kdf = _KdfCalls(monkeypatch)
    authenticator, codes = add_recovery_codes(user)
    assert recovery_codes.use_code(authenticator, codes[9])
    assert not recovery_codes.use_code(authenticator, "00000000")
    assert kdf.calls == 0


def test_a_set_made_with_the_former_pbkdf2_scheme_still_verifies_with_one_derivation(
    user, monkeypatch
):
    import hashlib
    import hmac
    import secrets

    pepper, salt = secrets.token_bytes(32), secrets.token_bytes(16)
    codes = ["12345678", "87654321", "11112222"]

    def legacy(code):
        keyed = hmac.new(pepper, code.encode(), hashlib.sha256).digest()
        return hashlib.pbkdf2_hmac("sha256", keyed, salt, 1000).hex()

    data = {
        "key": crypto.encrypt(base64.b64encode(pepper).decode()),
        "salt": base64.b64encode(salt).decode(),
        "iterations": 1000,
        "hashes": [legacy(code) for code in codes],
        "total": 3,
    }
    authenticator = Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data=data
    )
    kdf = _KdfCalls(monkeypatch)
    assert recovery_codes.use_code(authenticator, "8765 4321")
    assert kdf.calls == 1  # one derivation serves all the codes of the set
    assert not recovery_codes.use_code(authenticator, "87654321")
    assert recovery_codes.remaining(authenticator) == 2


def test_the_download_has_one_code_per_line(activated):
    client, _, codes = activated
    lines = client.get(DOWNLOAD).content.decode().splitlines()
    assert [line for line in lines if line.isdigit()] == codes


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------


def _race(target, *args):
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(target(*args))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_uses_of_one_code_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    user = User.objects.create_user("dave", "dave@example.com", "x")
    authenticator, codes = add_recovery_codes(user)

    def use(code):
        fresh = Authenticator.objects.get(pk=authenticator.pk)
        return recovery_codes.use_code(fresh, code)

    assert _race(use, codes[0]) == [False, True]
    authenticator.refresh_from_db()
    assert recovery_codes.remaining(authenticator) == 9


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_uses_of_one_totp_code_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    from accounts.mfa.totp import auth as totp
    from tests.helpers.mfa import current_code

    user = User.objects.create_user("erin", "erin@example.com", "x")
    authenticator, secret = add_totp(user)
    code = current_code(secret)

    def use(value):
        fresh = Authenticator.objects.get(pk=authenticator.pk)
        return totp.verify_and_consume(fresh, value)

    assert _race(use, code) == [False, True]
