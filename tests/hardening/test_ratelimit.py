"""Rate limits and lockouts: budgets, their keys, their expiry, and what a refusal looks like.

A refused request answers 429 without running the password hasher, sends ``rate_limited``,
and leaves other accounts and other IPs alone; budgets expire with the clock and are shared
between workers through the cache (Redis in CI).
"""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from accounts import ratelimit, signals
from accounts.models import User
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.passwords import fail_login, post_login
from tests.helpers.spies import hasher_spy

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"
# 12:00:10 UTC: fixed windows of 60 s and 300 s all started 10 s ago.
START = dt.datetime(2030, 1, 1, 12, 0, 10, tzinfo=dt.UTC)


def request_from(ip="10.0.0.1"):
    return RequestFactory().get("/", REMOTE_ADDR=ip)


# --- The mechanism ----------------------------------------------------------------------------


def test_parse_rates():
    assert ratelimit.parse_rates("10/m/ip, 5/300s/key,2/h/user") == [
        ratelimit.Rate(10, 60, "ip"),
        ratelimit.Rate(5, 300, "key"),
        ratelimit.Rate(2, 3600, "user"),
    ]
    with pytest.raises(ValueError):
        ratelimit.parse_rates("10/fortnight/ip")


def test_consume_refuses_after_the_budget_and_does_not_count_refusals():
    request = request_from()
    assert [ratelimit.consume(request, "signup") for _ in range(21)] == [True] * 20 + [False]
    assert ratelimit.is_limited(request, "signup")
    # The refused attempt was given back: one rollback frees exactly one attempt.
    ratelimit.rollback(request, "signup")
    assert ratelimit.consume(request, "signup") is True
    assert ratelimit.consume(request, "signup") is False


def test_budgets_are_per_ip_and_per_key():
    a, b = request_from("10.0.0.1"), request_from("10.0.0.2")
    for _ in range(5):
        assert ratelimit.consume(a, "login_failed", key="user:1")
    assert not ratelimit.consume(b, "login_failed", key="user:1")  # the key is used up
    assert ratelimit.consume(b, "login_failed", key="user:2")  # another key is not
    for _ in range(4):
        assert ratelimit.consume(a, "login_failed", key=f"login:other{_}")
    # 10 per minute from 10.0.0.1 (5 + 4 + this one), whatever the keys.
    assert ratelimit.consume(a, "login_failed", key="login:x")
    assert not ratelimit.consume(a, "login_failed", key="login:y")
    assert ratelimit.consume(b, "login_failed", key="login:y")


def test_windows_expire_with_the_clock():
    request = request_from()
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            assert ratelimit.consume(request, "mfa_failed", key="user:1")
        assert not ratelimit.consume(request, "mfa_failed", key="user:1")
        traveller.shift(200)
        assert not ratelimit.consume(request, "mfa_failed", key="user:1")
        traveller.shift(101)
        assert ratelimit.consume(request, "mfa_failed", key="user:1")


def test_clear_forgets_a_key_but_keeps_ip_budgets():
    request = request_from()
    for i in range(5):
        ratelimit.consume(request, "login_failed", key="user:1")
        ratelimit.consume(request, "login_failed", key=f"login:n{i}")
    assert not ratelimit.consume(request, "login_failed", key="login:n9")  # IP used up
    ratelimit.clear(request, "login_failed", key="user:1")
    assert not ratelimit.is_limited(request_from("10.9.9.9"), "login_failed", key="user:1")
    assert ratelimit.is_limited(request, "login_failed", key="login:fresh")


def test_user_budget_needs_an_authenticated_user():
    request = request_from()
    request.user = UserFactory()
    for _ in range(10):
        assert ratelimit.consume(request, "reauthenticate")
    assert not ratelimit.consume(request, "reauthenticate")
    other = request_from()
    other.user = UserFactory()
    assert ratelimit.consume(other, "reauthenticate")


@override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/m/ip", "login": ""})
def test_rates_come_from_settings_and_an_empty_rate_disables():
    request = request_from()
    assert [ratelimit.consume(request, "signup") for _ in range(3)] == [True, True, False]
    assert all(ratelimit.consume(request, "login") for _ in range(100))
    assert ratelimit.get_rates("login_failed") == ratelimit.parse_rates("10/m/ip,5/300s/key")


class SlowCache:
    """The real cache, with a pause before every call: races get every chance to happen."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def slow(*args, **kwargs):
            time.sleep(0.002)
            return method(*args, **kwargs)

        return slow


def test_concurrent_attempts_never_exceed_the_budget(monkeypatch):
    """Counting is atomic: 20 threads racing for a budget of 5 get exactly 5 passes."""
    monkeypatch.setattr(ratelimit, "cache", SlowCache(ratelimit.cache))
    barrier = threading.Barrier(20)
    results = []

    def attempt(i):
        barrier.wait()
        results.append(ratelimit.consume(request_from(f"10.1.0.{i}"), "mfa_failed", key="u"))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 5


# --- Login: the per-account failure budget ----------------------------------------------------


def test_failed_login_budget_is_shared_by_username_and_email(make_client, user, signal_catcher):
    """5 failures across both spellings and 5 IPs lock alice; the 6th try is not checked."""
    for i, login in enumerate(
        ["alice", "ALICE", "alice", "alice@example.com", "Alice@Example.com"]
    ):
        fail_login(make_client, login, ip=f"10.0.1.{i}")
    limited = signal_catcher(signals.rate_limited)
    failed = signal_catcher(user_login_failed)
    logged_in = signal_catcher(signals.user_logged_in)

    with hasher_spy() as hasher:
        client, response = post_login(
            make_client, "alice@example.com", DEFAULT_PASSWORD, "10.0.1.9"
        )

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "account/login.html" in [t.name for t in response.templates]
    assert hasher.count() == 0
    assert "_auth_user_id" not in client.session
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=mock.ANY,
        action="login_failed",
        user=user,
    )
    failed.assert_not_called()
    logged_in.assert_not_called()


def test_a_locked_account_leaves_other_accounts_alone(make_client, user, other_user):
    for i in range(5):
        fail_login(make_client, "alice", ip=f"10.0.2.{i}")
    assert post_login(make_client, "alice", DEFAULT_PASSWORD, "10.0.2.8")[1].status_code == 429
    with hasher_spy() as hasher:
        client, response = post_login(make_client, "bob", DEFAULT_PASSWORD, "10.0.2.8")
    assert response.status_code == 302
    assert hasher.verify.call_count == 1  # bob's password was checked
    assert int(client.session["_auth_user_id"]) == other_user.pk


def test_lockout_expires(make_client, user):
    with time_machine.travel(START, tick=False) as traveller:
        for i in range(5):
            fail_login(make_client, "alice", ip=f"10.0.3.{i}")
        traveller.shift(200)
        assert post_login(make_client, "alice", DEFAULT_PASSWORD)[1].status_code == 429
        traveller.shift(101)
        client, response = post_login(make_client, "alice", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_clearing_the_account_key_unlocks_it_at_once(make_client, user):
    """What a completed password reset does (``ratelimit.clear(..., key=f"user:{pk}")``)."""
    for i in range(5):
        fail_login(make_client, "alice", ip=f"10.0.4.{i}")
    assert post_login(make_client, "alice", DEFAULT_PASSWORD)[1].status_code == 429
    ratelimit.clear(request_from("192.0.2.1"), "login_failed", key=f"user:{user.pk}")
    assert post_login(make_client, "alice", DEFAULT_PASSWORD)[1].status_code == 302


def test_a_successful_login_resets_the_account_failures(make_client, user):
    for i in range(4):
        fail_login(make_client, "alice", ip=f"10.0.5.{i}")
    assert post_login(make_client, "alice", DEFAULT_PASSWORD, "10.0.5.9")[1].status_code == 302
    for i in range(5):
        fail_login(make_client, "alice", ip=f"10.0.6.{i}")
    assert post_login(make_client, "alice", DEFAULT_PASSWORD, "10.0.6.9")[1].status_code == 429


def test_unknown_logins_are_locked_the_same_way(make_client, db):
    """No enumeration by lockout: an unknown name is refused after 5 tries too."""
    for i in range(5):
        fail_login(make_client, "nobody", ip=f"10.0.7.{i}")
    with hasher_spy() as hasher:
        response = post_login(make_client, "nobody", "anything", "10.0.7.9")[1]
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert hasher.count() == 0


def test_inactive_account_with_the_right_password_is_not_a_failure(make_client):
    UserFactory(username="sleepy", is_active=False)
    for i in range(6):
        response = post_login(make_client, "sleepy", DEFAULT_PASSWORD, f"10.0.8.{i}")[1]
        assert response["Location"] == "/accounts/inactive/"


# --- Login: the per-IP budgets ----------------------------------------------------------------


def test_failed_logins_per_ip_across_usernames(make_client, user, signal_catcher):
    """10 failures from one IP against 10 names: the 11th login from it is not checked."""
    for i in range(10):
        fail_login(make_client, f"someone{i}", ip="10.0.9.1")
    limited = signal_catcher(signals.rate_limited)
    with hasher_spy() as hasher:
        response = post_login(make_client, "alice", DEFAULT_PASSWORD, "10.0.9.1")[1]
    assert response.status_code == 429
    assert hasher.count() == 0
    assert limited.call_args.kwargs["action"] == "login_failed"
    # Another IP is not affected.
    assert post_login(make_client, "alice", DEFAULT_PASSWORD, "10.0.9.2")[1].status_code == 302


def test_spoofed_forwarded_for_does_not_escape_the_ip_budget(client, user):
    for i in range(10):
        client.post(
            "/accounts/login/",
            {"login": f"x{i}", "password": "nope"},
            REMOTE_ADDR="10.0.10.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    response = client.post(
        "/accounts/login/",
        {"login": "alice", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.10.1",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 429


def test_successful_logins_do_not_use_the_failure_budget(make_client, user):
    for i in range(12):
        response = post_login(make_client, "alice", DEFAULT_PASSWORD, "10.0.11.1")[1]
        assert response.status_code == 302, i


def test_login_attempts_per_ip(make_client, user, signal_catcher):
    """30 login POSTs a minute per IP; the 31st gets the 429 page, then it expires."""
    with time_machine.travel(START, tick=False) as traveller:
        client = make_client(REMOTE_ADDR="10.0.12.1")
        for _ in range(30):
            assert client.post("/accounts/login/", {"login": "alice"}).status_code == 200
        limited = signal_catcher(signals.rate_limited)
        with hasher_spy() as hasher:
            response = client.post(
                "/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD}
            )
        assert response.status_code == 429
        assert response.templates[0].name == "429.html"
        assert hasher.count() == 0
        assert "_auth_user_id" not in client.session
        limited.assert_called_once_with(
            signal=signals.rate_limited, sender=None, request=mock.ANY, action="login", user=None
        )
        other = make_client(REMOTE_ADDR="10.0.12.2")
        login = {"login": "alice", "password": DEFAULT_PASSWORD}
        assert other.post("/accounts/login/", login).status_code == 302
        traveller.shift(60)
        assert client.post("/accounts/login/", login).status_code == 302


# --- Signup and reauthentication --------------------------------------------------------------


def test_signups_per_ip(make_client, signal_catcher):
    client = make_client(REMOTE_ADDR="10.0.13.1")
    for i in range(20):
        client.post("/accounts/signup/", {"username": f"u{i}"})  # invalid: nothing created
    limited = signal_catcher(signals.rate_limited)
    valid = {
        "username": "carol",
        "email": "carol@example.com",
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
    }
    with hasher_spy() as hasher:
        response = client.post("/accounts/signup/", valid)
    assert response.status_code == 429
    assert hasher.count() == 0
    assert not User.objects.filter(username="carol").exists()
    limited.assert_called_once_with(
        signal=signals.rate_limited, sender=None, request=mock.ANY, action="signup", user=None
    )
    assert make_client(REMOTE_ADDR="10.0.13.2").post("/accounts/signup/", valid).status_code == 302


def test_reauthentication_attempts_per_user(auth_client, user, signal_catcher):
    for _ in range(10):
        response = auth_client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
        assert response.status_code == 302
    limited = signal_catcher(signals.rate_limited)
    step = signal_catcher(signals.authentication_step_completed)
    with hasher_spy() as hasher:
        response = auth_client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert hasher.count() == 0
    step.assert_not_called()
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=mock.ANY,
        action="reauthenticate",
        user=user,
    )


def test_wrong_reauthentication_passwords_use_the_login_failure_budget(
    auth_client, make_client, user, signal_catcher
):
    """A stolen session gets no more password guesses than the login form gives."""
    for _ in range(5):
        response = auth_client.post("/accounts/reauthenticate/", {"password": "not it"})
        assert response.status_code == 200
    limited = signal_catcher(signals.rate_limited)
    with hasher_spy() as hasher:
        response = auth_client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert hasher.count() == 0
    assert limited.call_args.kwargs["action"] == "login_failed"
    assert post_login(make_client, "alice", DEFAULT_PASSWORD, "10.0.14.1")[1].status_code == 429


# --- Several workers --------------------------------------------------------------------------


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI runs the suite on Redis)")
def test_two_workers_share_one_budget_through_redis(make_client, user, monkeypatch):
    """Two cache clients, each with its own connection pool, as two worker processes have."""
    from django.core.cache.backends.redis import RedisCache

    config = settings.CACHES["default"]
    params = {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")}
    worker_a = RedisCache(config["LOCATION"], params)
    worker_b = RedisCache(config["LOCATION"], params)
    assert worker_a._cache.get_client() is not worker_b._cache.get_client()

    for i, worker in enumerate([worker_a, worker_b, worker_a, worker_b, worker_a]):
        monkeypatch.setattr(ratelimit, "cache", worker)
        fail_login(make_client, "alice" if i % 2 else "alice@example.com", ip=f"10.0.15.{i}")
    monkeypatch.setattr(ratelimit, "cache", worker_b)
    with hasher_spy() as hasher:
        response = post_login(make_client, "alice", DEFAULT_PASSWORD, "10.0.15.9")[1]
    assert response.status_code == 429
    assert hasher.count() == 0
    # Concurrently: each thread has its own cache client (Django's caches are per thread),
    # like worker processes; together they pass exactly the budget.
    request = request_from("10.0.15.20")
    barrier = threading.Barrier(10)
    results, clients = [], []

    def attempt():
        barrier.wait()
        # The client objects themselves are kept: an id() alone may be reused once a
        # finished thread's client is garbage collected.
        clients.append(caches["default"]._cache.get_client(write=True))
        results.append(ratelimit.consume(request, "mfa_failed", key="shared"))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in clients}) == 10
    assert results.count(True) == 5


# --- Suspicious logins (B11) ------------------------------------------------------------------


def test_right_password_after_failures_is_reported_and_mailed(
    make_client, user, mailoutbox, signal_catcher
):
    for i in range(3):
        fail_login(make_client, "alice" if i else "alice@example.com", ip=f"10.0.16.{i}")
    assert mailoutbox == []  # wrong passwords alone tell the user nothing
    suspicious = signal_catcher(signals.suspicious_activity)
    client = make_client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Guesser/1.0")
    response = client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    suspicious.assert_called_once_with(
        signal=signals.suspicious_activity,
        sender=User,
        request=mock.ANY,
        user=user,
        reason="password_after_failures",
        details={"failed_attempts": 3},
    )
    assert len(mailoutbox) == 1
    notice = mailoutbox[0]
    assert notice.to == ["alice@example.com"]
    assert "after several failed attempts" in notice.subject
    assert "198.51.100.7" in notice.body and "Guesser/1.0" in notice.body
    assert "http://testserver/accounts/password/reset/" in notice.body
    assert DEFAULT_PASSWORD not in notice.body and "wrong password" not in notice.body
    # The counter was reset by the login: the next login is quiet.
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert len(mailoutbox) == 1


def test_a_slip_or_two_is_not_suspicious(make_client, user, mailoutbox, signal_catcher):
    suspicious = signal_catcher(signals.suspicious_activity)
    for i in range(2):
        fail_login(make_client, "alice", ip=f"10.0.17.{i}")
    assert post_login(make_client, "alice", DEFAULT_PASSWORD)[1].status_code == 302
    suspicious.assert_not_called()
    assert mailoutbox == []
